// A `[[probes]]` entry: the keys every kind shares (id, provider, kind, schedule, labels),
// read here, then the kind's own keys, read by the kind's parser (config::KindParsers), and
// `[probing]`.
#include <algorithm>

#include <fmt/format.h>

#include "noctua/config/probe_kind.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config {

bool read_choice(const Section& s, std::string_view key, std::string_view noun,
                 std::string_view plural, std::span<const std::string_view> allowed,
                 std::string& out) {
    return detail::read_choice(s, key, noun, plural, allowed, out);
}

void read_file_path(const Section& s, std::string_view key, std::string& out) {
    std::string given;
    if (!s.read_string(key, given)) return;
    if (given.empty()) {
        s.error(key, "file path must not be empty");
        return;
    }
    std::filesystem::path path(given);
    if (path.is_relative() && !s.context().base_dir().empty()) {
        path = (s.context().base_dir() / path).lexically_normal();
    } else if (path.is_relative()) {
        path = std::filesystem::absolute(path).lexically_normal();
    }
    if (auto text = detail::read_file(path, kMaxFileBytes); !text) {
        s.error(key, text.error().message);
        return;
    }
    out = path.string();
}

std::optional<std::string> read_text_file(const std::string& path) {
    auto text = detail::read_file(path, kMaxFileBytes);
    if (!text) return std::nullopt;
    return std::move(*text);
}

bool is_label_name(std::string_view name) { return detail::is_label_name(name); }
bool is_header_name(std::string_view name) { return detail::is_header_name(name); }
std::optional<std::string> http_url_problem(std::string_view url) {
    return detail::http_url_problem(url);
}
std::optional<std::string> path_problem(std::string_view path) {
    return detail::path_problem(path);
}
std::string fill_template_holes(std::string_view text) {
    return detail::fill_template_holes(text);
}
std::optional<std::string> header_value_problem(std::string_view value) {
    return detail::header_value_problem(value);
}
bool is_host_port(std::string_view text) {
    const auto hp = detail::parse_host_port(text);
    return hp && hp->port != 0 && !hp->host.empty();
}

}  // namespace noctua::config

namespace noctua::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr core::Duration kMinInterval = 1s;
// A heartbeat from a monthly job still fits, with grace for the longer months.
constexpr core::Duration kMaxInterval = std::chrono::weeks(4);

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

ParsedProbe parse_probe(const Section& s, const KindParsers& kinds,
                        const ProviderLookup& providers) {
    ParsedProbe probe{ProbeConfig{}, s};
    ProbeConfig& out = probe.config;
    if (s.require("id") && s.read_string("id", out.id)) check_id(s, "id", out.id);
    if (s.require("provider") && s.read_string("provider", out.provider) &&
        out.provider.empty()) {
        s.error("provider", "must not be empty: name one of the [[providers]]");
    }
    const bool kind_ok = !s.contains("kind") || read_kind(s, kProbeKinds, out.kind);
    read_schedule(s, out);
    s.read_labels("labels", out.labels);
    // Only a known kind's keys can be checked; an unknown kind is already reported.
    check_family_keys(s, kProbeCommonKeys, kinds.probes(), kind_ok ? out.kind : "",
                      "probes");
    const auto parser = kind_ok ? kinds.probes().find(out.kind) : kinds.probes().end();
    if (parser != kinds.probes().end()) {
        out.options = parser->second.parse(s, out, providers(out.provider));
    }
    return probe;
}

void parse_probing(const Section& s, ProbingConfig& out) {
    constexpr std::string_view kKeys[] = {"history", "max_concurrency"};
    s.check_keys(kKeys);
    s.read_int("max_concurrency", out.max_concurrency, 0, 1'000'000);
    int history = 0;
    if (s.read_int("history", history, 1, 1000)) out.history = static_cast<std::size_t>(history);
}

}  // namespace noctua::config::detail
