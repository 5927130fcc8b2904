#include "json_body.hpp"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "noctua/core/duration.hpp"

namespace noctua::daemon {
namespace {

/// The time at `key`: nullopt when absent, an error when not RFC 3339.
core::Result<std::optional<core::TimePoint>> read_time(simdjson::dom::element root,
                                                       std::string_view key) {
    std::string_view text;
    if (root[key].get(text)) return std::nullopt;
    auto t = core::parse_rfc3339(text);
    if (!t) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("{}: expected RFC 3339, e.g. 2026-12-03T22:00:00Z", key));
    }
    return *t;
}

}  // namespace

core::Result<simdjson::dom::element> parse_json_object(simdjson::dom::parser& parser,
                                                       std::string_view body, std::size_t max_bytes,
                                                       std::string_view what,
                                                       std::string_view shape) {
    if (body.size() > max_bytes) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("{} over {} KiB", what, max_bytes / 1024));
    }
    const simdjson::padded_string padded(body);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) || !root.is_object()) {
        std::string message = "body must be a JSON object";
        if (!shape.empty()) message += fmt::format(": {}", shape);
        return core::fail(core::Errc::invalid_argument, std::move(message));
    }
    return root;
}

core::Result<void> read_silence_span(simdjson::dom::element root, SpanKeys keys,
                                     core::TimePoint now, alerts::Silence& s) {
    const auto start = read_time(root, keys.start);
    if (!start) return std::unexpected(start.error());
    s.starts_at = start->value_or(now);
    const auto end = read_time(root, keys.end);
    if (!end) return std::unexpected(end.error());
    std::string_view text;
    if (*end) {
        s.ends_at = **end;
    } else if (!root["duration"].get(text)) {
        auto d = core::parse_duration(text);
        if (!d) return core::fail(core::Errc::invalid_argument, "duration: " + d.error().message);
        s.ends_at = s.starts_at + *d;
    } else {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("{} or duration is required", keys.end));
    }
    if (!root["createdBy"].get(text)) s.created_by = std::string(text.substr(0, 256));
    if (!root["comment"].get(text)) s.comment = std::string(text.substr(0, 4096));
    return {};
}

}  // namespace noctua::daemon
