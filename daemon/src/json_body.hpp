#pragma once

#include <cstddef>
#include <string_view>

#include <simdjson.h>

#include "noctua/alerts/silences.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"

// Reading the JSON bodies of the API's writes (silences, acknowledgements, maintenance
// windows). Pure; bodies are hostile input: every error is Errc::invalid_argument.
namespace noctua::daemon {

/// Reads a request body that must be one JSON object of at most `max_bytes` into `parser`,
/// which owns the result; its root. Errors: "`what` over N KiB", or "body must be a JSON
/// object" followed by ": `shape`" when a shape is given.
[[nodiscard]] core::Result<simdjson::dom::element> parse_json_object(simdjson::dom::parser& parser,
                                                                     std::string_view body,
                                                                     std::size_t max_bytes,
                                                                     std::string_view what,
                                                                     std::string_view shape = {});

/// The keys that bound a silence's time span in a body: `startsAt`/`endsAt` for silences,
/// `start`/`end` for maintenance windows.
struct SpanKeys {
    std::string_view start;
    std::string_view end;
};

/// Reads into `s` what silences and maintenance windows share: the start (`keys.start`, RFC
/// 3339; `now` when absent), the end (`keys.end`, RFC 3339, else `duration` such as "2h" after
/// the start; one is required), and `createdBy` and `comment` when given (cut to 256 and 4096
/// bytes).
[[nodiscard]] core::Result<void> read_silence_span(simdjson::dom::element root, SpanKeys keys,
                                                   core::TimePoint now, alerts::Silence& s);

}  // namespace noctua::daemon
