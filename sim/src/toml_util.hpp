#pragma once

// Small helpers shared by the fleet and scenario parsers: typed getters that collect every
// error as "SOURCE:LINE:COL: key.path: message" instead of stopping at the first one.

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "noctua/core/duration.hpp"
#include "noctua/core/result.hpp"

namespace noctua::sim::detail {

class TomlErrors {
public:
    explicit TomlErrors(std::string_view source) : source_(source) {}

    void add(const toml::source_region& where, std::string_view path, std::string_view message) {
        list_.push_back(fmt::format("{}:{}:{}: {}: {}", source_, where.begin.line,
                                    where.begin.column, path, message));
    }
    [[nodiscard]] bool empty() const { return list_.empty(); }
    [[nodiscard]] std::string joined() const {
        std::string out;
        for (const auto& e : list_) {
            if (!out.empty()) out += '\n';
            out += e;
        }
        return out;
    }
    [[nodiscard]] const std::string& source() const { return source_; }

private:
    std::string source_;
    std::vector<std::string> list_;
};

inline std::string join_path(std::string_view base, std::string_view key) {
    return base.empty() ? std::string{key} : fmt::format("{}.{}", base, key);
}

/// Every key of `t` must be in `allowed`.
inline void check_keys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                       std::string_view path, TomlErrors& errors) {
    for (const auto& [k, v] : t) {
        if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
            errors.add(v.source(), join_path(path, k.str()), "unknown key");
        }
    }
}

/// The value of `key` as `convert` reads its node; nullopt when absent, or when `convert`
/// refuses the node (reported as `expected`).
template <class T, class Convert>
std::optional<T> get_as(const toml::table& t, std::string_view key, std::string_view path,
                        TomlErrors& errors, std::string_view expected, Convert convert) {
    const auto* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (std::optional<T> v = convert(*n)) return v;
    errors.add(n->source(), join_path(path, key), expected);
    return std::nullopt;
}

inline std::optional<std::string> get_string(const toml::table& t, std::string_view key,
                                             std::string_view path, TomlErrors& errors) {
    return get_as<std::string>(t, key, path, errors, "expected a string",
                               [](const toml::node& n) { return n.value<std::string>(); });
}

inline std::optional<double> get_number(const toml::table& t, std::string_view key,
                                        std::string_view path, TomlErrors& errors) {
    return get_as<double>(t, key, path, errors, "expected a number",
                          [](const toml::node& n) -> std::optional<double> {
                              if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
                              if (n.is_floating_point()) return n.as_floating_point()->get();
                              return std::nullopt;
                          });
}

inline std::optional<std::int64_t> get_integer(const toml::table& t, std::string_view key,
                                               std::string_view path, TomlErrors& errors) {
    return get_as<std::int64_t>(t, key, path, errors, "expected an integer",
                                [](const toml::node& n) -> std::optional<std::int64_t> {
                                    if (n.is_integer()) return n.as_integer()->get();
                                    return std::nullopt;
                                });
}

inline std::optional<core::Duration> get_duration(const toml::table& t, std::string_view key,
                                                  std::string_view path, TomlErrors& errors) {
    const auto* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    auto s = n->value<std::string>();
    if (!s) {
        errors.add(n->source(), join_path(path, key), "expected a duration string like \"30s\"");
        return std::nullopt;
    }
    auto d = core::parse_duration(*s);
    if (!d) {
        errors.add(n->source(), join_path(path, key), d.error().message);
        return std::nullopt;
    }
    return *d;
}

template <class T>
std::optional<std::vector<T>> get_array(const toml::table& t, std::string_view key,
                                        std::string_view path, TomlErrors& errors) {
    const auto* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    const auto* arr = n->as_array();
    if (arr == nullptr) {
        errors.add(n->source(), join_path(path, key), "expected an array");
        return std::nullopt;
    }
    std::vector<T> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto& el = *arr->get(i);
        std::optional<T> v;
        if constexpr (std::is_same_v<T, double>) {
            if (el.is_integer()) v = static_cast<double>(el.as_integer()->get());
            if (el.is_floating_point()) v = el.as_floating_point()->get();
        } else {
            v = el.template value<T>();
        }
        if (!v) {
            errors.add(el.source(), fmt::format("{}[{}]", join_path(path, key), i),
                       "wrong element type");
            continue;
        }
        out.push_back(*v);
    }
    return out;
}

/// Parses `text`, turning toml++'s exception into an error.
inline core::Result<toml::table> parse_toml(std::string_view text, std::string_view source) {
    try {
        return toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return core::fail(core::Errc::parse,
                          fmt::format("{}:{}:{}: {}", source, e.source().begin.line,
                                      e.source().begin.column, e.description()));
    }
}

}  // namespace noctua::sim::detail
