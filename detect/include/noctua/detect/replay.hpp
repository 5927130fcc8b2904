#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/result.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::detect {

/// Parses a timestamp as found in CSV exports: "2014-07-01 00:00:00", "2018-04-25T00:00:00Z",
/// optionally quoted, with or without seconds and fractions, with "Z" or an offset
/// ("+02:00", "-0500"), or a bare date; naive times are UTC. Also Unix seconds ("1430000000",
/// "1430000000.5"). nullopt when it is none of these. Pure and thread-safe.
[[nodiscard]] std::optional<core::TimePoint> parse_timestamp(std::string_view text);

/// A series read from CSV, in event-time order.
struct CsvSeries {
    std::vector<core::Sample> samples;
    std::size_t skipped = 0;  ///< rows without a usable time or value
};

/// Reads a CSV series: NAB's `timestamp,value` or `TimeStamp,Value[,Label]` (extra columns are
/// ignored), header optional, CRLF or LF. Rows with an empty or unparsable value or time are
/// skipped and counted; repeated timestamps are kept (both samples count), gaps are gaps.
/// Samples are sorted by time (stable) and carry `labels`. Errors only when no row is usable.
/// Pure and thread-safe.
[[nodiscard]] core::Result<CsvSeries> read_series_csv(std::string_view text,
                                                      const core::Labels& labels);

/// One alert transition as a JSON line (no newline):
/// {"at":"…Z","alertname":"TrafficLoss","state":"firing","labels":{…},"value":0.41,
///  "summary":"…"}; state is "firing" or "resolved". A non-empty `likely_cause` (a firing
/// traffic loss that something explains) is added as "likely_cause".
[[nodiscard]] std::string transition_json(const Signal& signal,
                                          std::string_view likely_cause = {});

}  // namespace noctua::detect
