#include "noctua/config/section.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "text.hpp"

namespace noctua::config {
namespace {

using detail::is_label_name;
using detail::quote;
using detail::unknown_message;

std::string got(const toml::node& node) { return fmt::format("got {}", type_name(node.type())); }

/// The value of `key` as toml++'s `value<T>`, or nullptr when absent or of another type (then
/// reported as not `expected`, e.g. "a string").
template <class T>
const toml::value<T>* typed(const Section& s, std::string_view key, std::string_view expected) {
    const toml::node* n = s.node(key);
    if (n == nullptr) return nullptr;
    const auto* v = n->as<T>();
    if (v == nullptr) s.error(key, fmt::format("expected {}, {}", expected, got(*n)));
    return v;
}

/// The text of `key`, a value with a unit, or nullptr when absent or not a string (then
/// reported as not `expected`, a bare number with `number_hint` added).
const std::string* unit_text(const Section& s, std::string_view key, std::string_view expected,
                             std::string_view number_hint) {
    const toml::node* n = s.node(key);
    if (n == nullptr) return nullptr;
    const auto* text = n->as_string();
    if (text == nullptr) {
        const bool number = n->is_integer() || n->is_floating_point();
        s.error(key,
                fmt::format("expected {}, {}{}", expected, got(*n), number ? number_hint : ""));
        return nullptr;
    }
    return &text->get();
}

/// Whether `v` lies within [min, max]; the bound it breaks is reported at `key`.
template <class T>
bool in_range(const Section& s, std::string_view key, T v, T min, T max) {
    if (!(v >= min)) {
        s.error(key, fmt::format("must be at least {}, got {}", min, v));
        return false;
    }
    if (!(v <= max)) {
        s.error(key, fmt::format("must be at most {}, got {}", max, v));
        return false;
    }
    return true;
}

/// Assigns `value` to `out` when `ok`, else reports `problem` at `key`; returns `ok`.
template <class T>
bool accept(const Section& s, std::string_view key, bool ok, std::string problem, T value, T& out) {
    if (!ok) {
        s.error(key, std::move(problem));
        return false;
    }
    out = std::move(value);
    return true;
}

}  // namespace

void LoadContext::error(SourcePos pos, std::string key_path, std::string message) {
    errors_.push_back(ConfigError{file_, pos, std::move(key_path), std::move(message)});
}

std::vector<ConfigError> LoadContext::take_errors() {
    // Report in file order, like a compiler; errors found in the same place keep their order.
    std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
        return std::pair(a.pos.line, a.pos.column) < std::pair(b.pos.line, b.pos.column);
    });
    return std::move(errors_);
}

SourcePos position(const toml::source_region& region) {
    return SourcePos{static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::expected<toml::table, std::vector<ConfigError>> parse_toml(std::string_view text,
                                                                 const std::string& file) {
    try {
        return toml::parse(text, std::string_view{file});
    } catch (const toml::parse_error& e) {
        return std::unexpected(std::vector<ConfigError>{
            ConfigError{file, position(e.source()), "", std::string(e.description())}});
    }
}

std::string to_string(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) out += '\n';
        out += e.to_string();
    }
    return out;
}

std::string type_name(toml::node_type type) {
    if (type == toml::node_type::none) return "nothing";
    // toml++ prints its types by the names its own messages use.
    std::ostringstream out;
    out << type;
    return std::move(out).str();
}

std::string Section::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

const toml::node* Section::node(std::string_view key) const { return table_->get(key); }

SourcePos Section::pos_of(std::string_view key) const {
    const toml::node* n = node(key);
    return n != nullptr ? position(n->source()) : pos();
}

void Section::error(std::string message) const { ctx_->error(pos(), path_, std::move(message)); }

void Section::error(std::string_view key, std::string message) const {
    ctx_->error(pos_of(key), path_of(key), std::move(message));
}

void Section::check_keys(std::span<const std::string_view> known) const {
    for (auto&& [key, value] : *table_) {
        const std::string_view name = key.str();
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        ctx_->error(position(key.source()), path_of(name),
                    unknown_message("key", "keys", name,
                                    std::vector<std::string>(known.begin(), known.end()), false));
    }
}

bool Section::require(std::string_view key) const {
    if (contains(key)) return true;
    error(fmt::format("missing required key {}", quote(key)));
    return false;
}

bool Section::read_string(std::string_view key, std::string& out) const {
    const auto* v = typed<std::string>(*this, key, "a string");
    if (v != nullptr) out = v->get();
    return v != nullptr;
}

bool Section::read_bool(std::string_view key, bool& out) const {
    const auto* v = typed<bool>(*this, key, "a boolean (true or false)");
    if (v != nullptr) out = v->get();
    return v != nullptr;
}

bool Section::read_int(std::string_view key, int& out, int min, int max) const {
    std::int64_t v = 0;
    if (!read_int(key, v, min, max)) return false;
    out = static_cast<int>(v);
    return true;
}

bool Section::read_int(std::string_view key, std::int64_t& out, std::int64_t min,
                       std::int64_t max) const {
    const auto* i = typed<std::int64_t>(*this, key, "an integer");
    if (i == nullptr || !in_range(*this, key, i->get(), min, max)) return false;
    out = i->get();
    return true;
}

bool Section::read_number(std::string_view key, double& out, double min, double max) const {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    double v = 0;
    if (const auto* f = n->as_floating_point()) {
        v = f->get();
    } else if (const auto* i = n->as_integer()) {
        v = static_cast<double>(i->get());
    } else {
        error(key, "expected a number, " + got(*n));
        return false;
    }
    if (!in_range(*this, key, v, min, max)) return false;
    out = v;
    return true;
}

bool Section::read_duration(std::string_view key, core::Duration& out,
                            core::Duration max) const {
    const std::string* text = unit_text(*this, key, "a duration string such as \"30s\"",
                                        " (durations need a unit: ms, s, m, h, d, w)");
    if (text == nullptr) return false;
    auto parsed = core::parse_duration(*text);
    if (!parsed) {
        error(key, parsed.error().message);
        return false;
    }
    if (*parsed > max) {
        error(key, fmt::format("must be at most {}, got {}", core::format_duration(max),
                               core::format_duration(*parsed)));
        return false;
    }
    out = *parsed;
    return true;
}

bool Section::read_positive_duration(std::string_view key, core::Duration& out) const {
    core::Duration value{};
    if (!read_duration(key, value)) return false;
    return accept(*this, key, value > core::Duration::zero(), "must be greater than 0", value, out);
}

bool Section::read_non_negative_duration(std::string_view key, core::Duration& out) const {
    core::Duration value{};
    if (!read_duration(key, value)) return false;
    return accept(*this, key, value >= core::Duration::zero(), "must not be negative", value, out);
}

bool Section::read_choice(std::string_view key, std::string_view noun, std::string_view plural,
                          std::span<const std::string_view> allowed, std::string& out) const {
    std::string value;
    if (!read_string(key, value)) return false;
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
        error(key,
              unknown_message(noun, plural, value,
                              std::vector<std::string>(allowed.begin(), allowed.end()), false));
        return false;
    }
    out = std::move(value);
    return true;
}

bool Section::read_size(std::string_view key, std::size_t& out) const {
    const std::string* text = unit_text(*this, key, "a size string such as \"1MiB\"",
                                        " (sizes need a unit: B, KB, MB, GB, KiB, MiB, GiB)");
    if (text == nullptr) return false;
    auto parsed = parse_size(*text);
    if (!parsed) {
        error(key, parsed.error().message);
        return false;
    }
    out = *parsed;
    return true;
}

bool Section::read_positive_size(std::string_view key, std::size_t& out) const {
    std::size_t value = 0;
    if (!read_size(key, value)) return false;
    return accept(*this, key, value > 0, "must be greater than 0", value, out);
}

bool Section::read_labels(std::string_view key, core::Labels& out) const {
    std::map<std::string, std::string> map;
    if (!read_string_map(key, map, &is_label_name, "[a-zA-Z_][a-zA-Z0-9_]*")) return false;
    bool ok = true;
    const Section labels(*node(key)->as_table(), path_of(key), *ctx_);
    for (const auto& [name, value] : map) {
        // An empty value would silently remove the label (Prometheus semantics).
        if (value.empty()) {
            labels.error(name, "label value must not be empty");
            ok = false;
        }
    }
    if (!ok) return false;
    core::Labels result;
    for (const auto& [name, value] : map) result.set(name, value);
    out = std::move(result);
    return true;
}

bool Section::read_string_map(std::string_view key, std::map<std::string, std::string>& out,
                              bool (*valid_name)(std::string_view),
                              std::string_view name_rule) const {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    const auto* table = n->as_table();
    if (table == nullptr) {
        error(key, "expected a table such as { name = \"value\" }, " + got(*n));
        return false;
    }
    const Section sub(*table, path_of(key), *ctx_);
    std::map<std::string, std::string> result;
    bool ok = true;
    for (auto&& [k, v] : *table) {
        const std::string_view name = k.str();
        if (!valid_name(name)) {
            ctx_->error(position(k.source()), sub.path_of(name),
                        fmt::format("invalid name {}: must match {}", quote(name), name_rule));
            ok = false;
        }
        const auto* s = v.as_string();
        if (s == nullptr) {
            sub.error(name, "expected a string, " + got(v));
            ok = false;
            continue;
        }
        result.emplace(std::string(name), s->get());
    }
    if (!ok) return false;
    out = std::move(result);
    return true;
}

template <class T, class Read>
bool Section::read_list(std::string_view key, std::vector<T>& out, std::string_view what,
                        Read read) const {
    const toml::node* n = node(key);
    if (n == nullptr) return false;
    const auto* array = n->as_array();
    if (array == nullptr) {
        error(key, fmt::format("expected an array of {}s, {}", what.substr(what.find(' ') + 1),
                               got(*n)));
        return false;
    }
    std::vector<T> result;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (auto value = read(element)) {
            result.push_back(std::move(*value));
        } else {
            ctx_->error(position(element.source()), fmt::format("{}[{}]", path_of(key), i),
                        fmt::format("expected {}, {}", what, got(element)));
            ok = false;
        }
    }
    if (!ok) return false;
    out = std::move(result);
    return true;
}

bool Section::read_string_list(std::string_view key, std::vector<std::string>& out) const {
    return read_list<std::string>(key, out, "a string", [](const toml::node& element) {
        const auto* s = element.as_string();
        return s != nullptr ? std::optional<std::string>(s->get()) : std::nullopt;
    });
}

bool Section::read_number_list(std::string_view key, std::vector<double>& out) const {
    return read_list<double>(key, out, "a number", [](const toml::node& element) {
        if (const auto* f = element.as_floating_point()) return std::optional<double>(f->get());
        if (const auto* i = element.as_integer()) {
            return std::optional<double>(static_cast<double>(i->get()));
        }
        return std::optional<double>();
    });
}

std::optional<Section> Section::subtable(std::string_view key) const {
    const toml::node* n = node(key);
    if (n == nullptr) return std::nullopt;
    if (const auto* t = n->as_table()) return Section(*t, path_of(key), *ctx_);
    error(key, fmt::format("expected a table ([{}]), {}", path_of(key), got(*n)));
    return std::nullopt;
}

std::vector<Section> Section::table_array(std::string_view key) const {
    std::vector<Section> result;
    const toml::node* n = node(key);
    if (n == nullptr) return result;
    const auto* array = n->as_array();
    if (array == nullptr) {
        error(key, fmt::format("expected an array of tables ([[{}]]), {}", path_of(key), got(*n)));
        return result;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        auto path = fmt::format("{}[{}]", path_of(key), i);
        if (const auto* t = element.as_table()) {
            result.emplace_back(*t, std::move(path), *ctx_);
        } else {
            ctx_->error(position(element.source()), std::move(path),
                        "expected a table, " + got(element));
        }
    }
    return result;
}

}  // namespace noctua::config
