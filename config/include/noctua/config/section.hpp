#pragma once

// The toml++ view every configuration section parser reads through, for the tools that read TOML
// files of their own (the simulator's fleet and scenarios) with the same positioned errors. This
// header is the one public header with toml++ in it (docs/contributing.md, "Build"): include it
// only where toml++ is linked.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "noctua/config/config.hpp"

namespace noctua::config {

/// The state of one load: the file name used in messages, the directory relative `*_file`
/// paths resolve against, and every error found so far. Not thread-safe; one per load.
class LoadContext {
public:
    LoadContext(std::string file, std::filesystem::path base_dir)
        : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

    void error(SourcePos pos, std::string key_path, std::string message);

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] const std::filesystem::path& base_dir() const { return base_dir_; }
    [[nodiscard]] bool has_errors() const { return !errors_.empty(); }
    [[nodiscard]] std::size_t error_count() const { return errors_.size(); }
    /// The errors so far, ordered by position in the file (file-level ones first).
    [[nodiscard]] std::vector<ConfigError> take_errors();

private:
    std::string file_;
    std::filesystem::path base_dir_;
    std::vector<ConfigError> errors_;
};

[[nodiscard]] SourcePos position(const toml::source_region& region);

/// Parses `text`, named `file` in messages; a syntax error is returned as one ConfigError at
/// its position.
[[nodiscard]] std::expected<toml::table, std::vector<ConfigError>> parse_toml(
    std::string_view text, const std::string& file);

/// `errors`, one `FILE:LINE:COL: key.path: message` a line.
[[nodiscard]] std::string to_string(const std::vector<ConfigError>& errors);

/// The longest duration any config key takes: about ten years.
inline constexpr core::Duration kMaxConfigDuration = std::chrono::weeks(520);

/// A TOML table with its dotted key path ("probes[1]") and source position. Typed readers
/// report wrong types and invalid values into the LoadContext and leave the output untouched,
/// so a field keeps its member-initializer default when the key is absent or bad.
/// A view: the parsed document and the LoadContext must outlive it.
class Section {
public:
    Section(const toml::table& table, std::string path, LoadContext& ctx)
        : table_(&table), path_(std::move(path)), ctx_(&ctx) {}

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] SourcePos pos() const { return position(table_->source()); }
    [[nodiscard]] LoadContext& context() const { return *ctx_; }
    [[nodiscard]] const toml::table& table() const { return *table_; }

    /// `path.key`, or `key` at the root.
    [[nodiscard]] std::string path_of(std::string_view key) const;
    [[nodiscard]] bool contains(std::string_view key) const { return node(key) != nullptr; }
    [[nodiscard]] const toml::node* node(std::string_view key) const;
    /// The position of `key`'s value, or of this table when the key is absent.
    [[nodiscard]] SourcePos pos_of(std::string_view key) const;

    /// An error about the table as a whole (e.g. a missing key), at the table's position.
    void error(std::string message) const;
    /// An error about `key`, at its value's position.
    void error(std::string_view key, std::string message) const;

    /// Reports every key not in `known` (sorted in the message, with a suggestion).
    void check_keys(std::span<const std::string_view> known) const;
    /// Reports `key` as missing unless present; returns whether it is present.
    bool require(std::string_view key) const;

    // Readers: true when the key is present and its value valid (and then assigned).
    bool read_string(std::string_view key, std::string& out) const;
    bool read_bool(std::string_view key, bool& out) const;
    bool read_int(std::string_view key, int& out, int min, int max) const;
    bool read_int(std::string_view key, std::int64_t& out, std::int64_t min,
                  std::int64_t max) const;
    /// An integer or floating-point number within [min, max] (NaN is rejected).
    bool read_number(std::string_view key, double& out, double min, double max) const;
    /// A duration string of at most `max` (the default keeps every time-point sum far from
    /// overflow; keys with a tighter sensible range pass their own).
    bool read_duration(std::string_view key, core::Duration& out,
                       core::Duration max = kMaxConfigDuration) const;
    /// read_duration() for keys that must be greater than zero (timeouts, intervals).
    bool read_positive_duration(std::string_view key, core::Duration& out) const;
    /// read_duration() for keys that may be zero but not negative (`for`, holds).
    bool read_non_negative_duration(std::string_view key, core::Duration& out) const;
    /// A string that must be one of `allowed`; another is reported as an unknown `noun`,
    /// listing the known `plural`. False when absent, mistyped or unknown (`out` unchanged).
    bool read_choice(std::string_view key, std::string_view noun, std::string_view plural,
                     std::span<const std::string_view> allowed, std::string& out) const;
    bool read_size(std::string_view key, std::size_t& out) const;
    /// read_size() for keys that must be greater than zero (limits).
    bool read_positive_size(std::string_view key, std::size_t& out) const;
    /// A table of label name → non-empty string value; names must be label names.
    bool read_labels(std::string_view key, core::Labels& out) const;
    /// A table of string → string; each name must satisfy `valid_name` (else `name_rule` is
    /// reported).
    bool read_string_map(std::string_view key, std::map<std::string, std::string>& out,
                         bool (*valid_name)(std::string_view), std::string_view name_rule) const;
    bool read_string_list(std::string_view key, std::vector<std::string>& out) const;
    /// An array of numbers (integers or floating-point).
    bool read_number_list(std::string_view key, std::vector<double>& out) const;

    /// A sub-table, or nullopt (reported if present with another type).
    [[nodiscard]] std::optional<Section> subtable(std::string_view key) const;
    /// An array of tables (`[[key]]`), with paths `key[0]`, `key[1]`…; empty when absent.
    [[nodiscard]] std::vector<Section> table_array(std::string_view key) const;

private:
    /// An array under `key` whose elements `read` turns into T (nullopt: not `what`, e.g.
    /// "a string", reported with its index).
    template <class T, class Read>
    bool read_list(std::string_view key, std::vector<T>& out, std::string_view what,
                   Read read) const;

    const toml::table* table_;
    std::string path_;
    LoadContext* ctx_;
};

/// Reads a secret from `<base>_env`, `<base>_file` or (when `inline_allowed`) `<base>` itself.
/// Reports more than one of them, an unset or empty variable, an unreadable or empty file; the
/// value never appears in a message. Returns nullopt when none is given or on error.
[[nodiscard]] std::optional<Secret> read_secret(const Section& s, std::string_view base,
                                                bool inline_allowed);

/// `"text"` with quotes, backslashes and control characters escaped, as messages quote values.
[[nodiscard]] std::string quoted(std::string_view text);

/// Why `url` is not a URL with one of `schemes` ("http", "smtp") that curl's URL parser
/// accepts, with a host, and without spaces or control characters; nullopt when it is. The
/// message never repeats the URL (it may hold a token).
[[nodiscard]] std::optional<std::string> url_problem(std::string_view url,
                                                     std::span<const std::string_view> schemes);

/// "string", "integer", "floating-point", …: how a TOML type is named in messages.
[[nodiscard]] std::string type_name(toml::node_type type);

}  // namespace noctua::config
