#pragma once

// Configuration for the tests: a loader, the errors of a load as text, and the routing TOML
// shared by the tests that parse it (config) and the tests that run it (the alerts notifier
// and pipeline), in pieces to concatenate.

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "noctua/config/config.hpp"

namespace noctua::testing {

/// A receiver of kind log for each of `names`, in order, three lines each.
inline std::string log_receivers(std::initializer_list<std::string_view> names) {
    std::string out;
    for (const auto name : names)
        out += fmt::format("[[receivers]]\nname = \"{}\"\nkind = \"log\"\n", name);
    return out;
}

/// Two receivers of kind log, "noc" and "pager".
inline std::string noc_and_pager() { return "\n" + log_receivers({"noc", "pager"}); }

/// Provider "acme" at `base_url` (lines 1–3) and the start of probe "p" on it (lines 4–6); the
/// probe's other keys follow from line 7.
inline std::string acme_probe(std::string_view base_url) {
    return fmt::format(
        "[[providers]]\nid = \"acme\"\nbase_url = \"{}\"\n[[probes]]\nid = \"p\"\nprovider = "
        "\"acme\"\n",
        base_url);
}

/// A provider's ProviderDown mutes its TrafficLoss and BalanceLow.
inline constexpr std::string_view kInhibitOnProviderDown = R"(
[[inhibit]]
source = { alertname = "ProviderDown" }
target_matchers = ['alertname=~"TrafficLoss|BalanceLow"']
equal = ["provider"]
)";

/// Receivers "noc", "secondary" and "manager"; the escalation "oncall" goes to secondary after
/// 10 minutes and to manager after 30; the root route sends to noc, one group per provider,
/// at once, then every minute, reminded every hour. The route's own keys may follow
/// (`escalation = "oncall"`).
inline std::string oncall_policy() {
    return "\n" + log_receivers({"noc", "secondary", "manager"}) + R"([[escalations]]
name = "oncall"
steps = [{ after = "10m", receiver = "secondary" }, { after = "30m", receiver = "manager" }]
[route]
receiver = "noc"
group_by = ["provider"]
group_wait = "0s"
group_interval = "1m"
repeat_interval = "1h"
)";
}

/// `toml` loaded as "test.toml" (with the kinds' parsers `kinds`); the test fails, with the
/// errors, when it is not valid.
inline config::Config load_config(std::string_view toml, const config::KindParsers& kinds = {}) {
    auto c = config::load_string(toml, "test.toml", kinds);
    if (!c) {
        for (const auto& e : c.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(c);
    return std::move(*c);
}

/// The errors of loading `toml` as `file` (with the kinds' parsers `kinds`), each
/// `FILE:LINE:COL: key.path: message`; none when it loads.
inline std::vector<std::string> load_errors(std::string_view toml,
                                            std::string_view file = "test.toml",
                                            const config::KindParsers& kinds = {}) {
    auto loaded = config::load_string(toml, file, kinds);
    std::vector<std::string> out;
    if (!loaded) {
        for (const auto& e : loaded.error()) out.push_back(e.to_string());
    }
    return out;
}

/// The errors of loading `toml` as `file` (with the kinds' parsers `kinds`), each
/// `FILE:LINE:COL: key.path: message` and a newline; "" when it loads.
inline std::string config_errors(std::string_view toml, std::string_view file = "test.toml",
                                 const config::KindParsers& kinds = {}) {
    std::string out;
    for (const auto& e : load_errors(toml, file, kinds)) out += e + "\n";
    return out;
}

/// Every error of loading `toml` as `file` (with the kinds' parsers `kinds`), which must not
/// load, each `FILE:LINE:COL: key.path: message`; each must name `file`.
inline std::vector<std::string> error_lines(std::string_view toml,
                                            std::string_view file = "test.toml",
                                            const config::KindParsers& kinds = {}) {
    auto result = config::load_string(toml, file, kinds);
    REQUIRE_FALSE(result.has_value());
    std::vector<std::string> out;
    for (const auto& e : result.error()) {
        CHECK(e.file == file);
        out.push_back(e.to_string());
    }
    return out;
}

/// The one error of loading `toml` (error_lines()); the test fails unless there is exactly one.
inline std::string single_error(std::string_view toml, std::string_view file = "test.toml",
                                const config::KindParsers& kinds = {}) {
    const auto errors = error_lines(toml, file, kinds);
    for (const auto& e : errors) UNSCOPED_INFO(e);
    REQUIRE(errors.size() == 1);
    return errors[0];
}

}  // namespace noctua::testing
