#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kProbeKeys[] = {
    "body",     "expected_status",   "follow_redirects", "headers",
    "id",       "interval",          "jitter",           "kind",
    "labels",   "max_response_size", "method",           "path",
    "provider", "timeout",           "tls_insecure",     "url",
    // probe_extras.cpp
    "body_file", "dns", "expect", "extract", "extract_labels", "grace", "ip_version",
    "keep_alive", "max_redirects", "proxy", "query", "steps", "target", "tls_ca_file",
    "tls_cert_file", "tls_key_file", "tls_server_name", "token_env", "token_file"};
constexpr std::string_view kMethods[] = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                         "PATCH",  "POST", "PUT"};
constexpr core::Duration kMinInterval = 1s;
// A heartbeat from a monthly job still fits, with grace for the longer months.
constexpr core::Duration kMaxInterval = std::chrono::weeks(4);
constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;

constexpr std::string_view kStatusForms =
    "expected a status code such as 200, a class such as \"2xx\" or a range such as "
    "\"200-299\"";

std::optional<int> parse_code(std::string_view text) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return n;
}

core::Result<StatusRange> check_range(StatusRange range, std::string_view shown) {
    for (int code : {range.low, range.high}) {
        if (code < kMinStatus || code > kMaxStatus) {
            return core::fail(
                core::Errc::invalid_argument,
                fmt::format("status {} is not between {} and {}", code, kMinStatus, kMaxStatus));
        }
    }
    if (range.low > range.high) {
        return core::fail(
            core::Errc::invalid_argument,
            fmt::format("invalid status range {}: the lower code must come first", quote(shown)));
    }
    return range;
}

/// 200, "204", "2xx" or "200-299".
core::Result<StatusRange> status_range(const toml::node& node) {
    if (const auto* i = node.as_integer()) {
        const auto v = i->get();
        if (v < kMinStatus || v > kMaxStatus) {
            return core::fail(
                core::Errc::invalid_argument,
                fmt::format("status {} is not between {} and {}", v, kMinStatus, kMaxStatus));
        }
        return StatusRange{static_cast<int>(v), static_cast<int>(v)};
    }
    const auto* s = node.as_string();
    if (s == nullptr) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("{}, got {}", kStatusForms, type_name(node.type())));
    }
    const std::string_view text = s->get();
    const auto invalid = [&] {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("invalid status {}: {}", quote(text), kStatusForms));
    };
    if (text.size() == 3 && text.substr(1) == "xx") {
        const auto digit = parse_code(text.substr(0, 1));
        if (!digit) return invalid();
        return check_range(StatusRange{*digit * 100, *digit * 100 + 99}, text);
    }
    if (const auto dash = text.find('-'); dash != std::string_view::npos) {
        const auto low = parse_code(text.substr(0, dash));
        const auto high = parse_code(text.substr(dash + 1));
        if (!low || !high) return invalid();
        return check_range(StatusRange{*low, *high}, text);
    }
    const auto code = parse_code(text);
    if (!code) return invalid();
    return check_range(StatusRange{*code, *code}, text);
}

void read_expected_status(const Section& s, std::vector<StatusRange>& out) {
    const toml::node* node = s.node("expected_status");
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
        auto range = status_range(*node);
        if (!range) {
            s.error("expected_status", range.error().message);
            return;
        }
        out = {*range};
        return;
    }
    if (array->empty()) {
        s.error("expected_status", "must not be empty");
        return;
    }
    std::vector<StatusRange> ranges;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        auto range = status_range(element);
        if (!range) {
            s.context().error(position(element.source()),
                              fmt::format("{}[{}]", s.path_of("expected_status"), i),
                              range.error().message);
            continue;
        }
        ranges.push_back(*range);
    }
    if (ranges.size() == array->size()) out = std::move(ranges);
}

void read_target(const Section& s, ParsedProbe& probe) {
    const bool has_path = s.contains("path");
    const bool has_url = s.contains("url");
    if (!has_path && !has_url) {
        s.error("one of path (relative to the provider's base_url) or url is required");
        return;
    }
    if (has_path && has_url) {
        s.error("url", "set only one of path or url");
        return;
    }
    std::string value;
    if (has_path) {
        if (!s.read_string("path", value)) return;
        if (!value.starts_with('/')) {
            s.error("path", fmt::format("path {} must start with '/'", quote(value)));
            return;
        }
        if (auto problem = path_problem(value)) {
            s.error("path", std::move(*problem));
            return;
        }
        probe.path = std::move(value);
        return;
    }
    if (!s.read_string("url", value)) return;
    if (auto problem = http_url_problem(value)) {
        s.error("url", std::move(*problem));
        return;
    }
    probe.config.url = std::move(value);
}

void read_schedule(const Section& s, ProbeConfig& out) {
    // Compare against the interval only when it is valid, so one mistake is one error.
    bool interval_ok = !s.contains("interval");
    core::Duration interval{};
    if (s.read_duration("interval", interval, kMaxInterval)) {
        if (interval < kMinInterval) {
            s.error("interval",
                    fmt::format("must be at least {}, got {}", core::format_duration(kMinInterval),
                                core::format_duration(interval)));
        } else {
            out.interval = interval;
            interval_ok = true;
        }
    }
    core::Duration timeout{};
    if (s.read_duration("timeout", timeout)) {
        if (timeout <= core::Duration::zero()) {
            s.error("timeout", "must be greater than 0");
        } else if (interval_ok && timeout > out.interval) {
            s.error("timeout", fmt::format("timeout ({}) must not exceed interval ({})",
                                           core::format_duration(timeout),
                                           core::format_duration(out.interval)));
        } else {
            out.timeout = timeout;
        }
    } else if (!s.contains("timeout") && interval_ok && out.timeout > out.interval) {
        s.error("interval", fmt::format("interval ({}) is shorter than the default timeout "
                                        "({}): set a timeout no longer than the interval",
                                        core::format_duration(out.interval),
                                        core::format_duration(out.timeout)));
    }
    core::Duration jitter{};
    if (s.read_duration("jitter", jitter)) {
        if (interval_ok && jitter >= out.interval) {
            s.error("jitter", fmt::format("jitter ({}) must be less than interval ({})",
                                          core::format_duration(jitter),
                                          core::format_duration(out.interval)));
        } else {
            out.jitter = jitter;
        }
    }
    // The header's -1 means "unset": resolve it so a loaded Config never holds it.
    if (out.jitter < core::Duration::zero()) out.jitter = out.interval / 10;
}

}  // namespace

ParsedProbe parse_probe(const Section& s) {
    ParsedProbe probe{ProbeConfig{}, s, std::nullopt};
    ProbeConfig& out = probe.config;
    s.check_keys(kProbeKeys);
    if (s.require("id") && s.read_string("id", out.id)) check_id(s, "id", out.id);
    if (s.require("provider") && s.read_string("provider", out.provider) &&
        out.provider.empty()) {
        s.error("provider", "must not be empty: name one of the [[providers]]");
    }
    const bool kind_ok = !s.contains("kind") || read_kind(s, kProbeKinds, out.kind);
    if (out.kind == "http") read_target(s, probe);

    std::string method;
    if (s.read_string("method", method)) {
        if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
            s.error("method", unknown_message("method", "methods", method,
                                              {std::begin(kMethods), std::end(kMethods)}, false));
        } else {
            out.method = std::move(method);
        }
    }
    std::map<std::string, std::string> headers;
    if (s.read_string_map("headers", headers, &is_header_name, "HTTP token characters")) {
        const Section hs(*s.node("headers")->as_table(), s.path_of("headers"), s.context());
        bool ok = true;
        for (const auto& [name, value] : headers) {
            if (auto problem = header_value_problem(value)) {
                hs.error(name, std::move(*problem));
                ok = false;
            }
        }
        if (ok) out.headers.assign(headers.begin(), headers.end());
    }
    s.read_string("body", out.body);

    read_schedule(s, out);
    read_expected_status(s, out.expected_status);
    std::size_t max_size = 0;
    if (s.read_size("max_response_size", max_size)) {
        if (max_size == 0) {
            s.error("max_response_size", "must be greater than 0");
        } else {
            out.max_response_bytes = max_size;
        }
    }
    s.read_bool("follow_redirects", out.follow_redirects);
    s.read_bool("tls_insecure", out.tls_insecure);
    s.read_labels("labels", out.labels);
    // Only a known kind's keys can be checked; an unknown kind is already reported.
    if (kind_ok) parse_probe_extras(s, probe, out.kind);
    return probe;
}

}  // namespace noctua::config::detail
