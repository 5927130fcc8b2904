#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"

namespace date {
class time_zone;
}

namespace noctua::core {

/// One recurring period in Alertmanager's `time_intervals` shape. Each field is a list of
/// inclusive ranges; an empty field matches everything; a time matches when every field does,
/// read in the interval's time zone (so "09:00-17:00 Europe/Madrid" follows daylight saving).
struct TimeRange {
    /// Minutes since midnight, [start, end): "09:00"-"17:30" is {540, 1050}.
    std::vector<std::pair<int, int>> times;
    std::vector<std::pair<int, int>> weekdays;       ///< 0 = sunday … 6 = saturday
    std::vector<std::pair<int, int>> days_of_month;  ///< 1…31, or -1 = last day, -2 …
    std::vector<std::pair<int, int>> months;         ///< 1…12
    std::vector<std::pair<int, int>> years;
    const date::time_zone* location = nullptr;  ///< nullptr: UTC

    [[nodiscard]] bool contains(TimePoint t) const;
    friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

/// A named set of periods (`mute_time_intervals = ["weekends"]`): matches when any period does.
struct TimeInterval {
    std::string name;
    std::vector<TimeRange> ranges;

    [[nodiscard]] bool contains(TimePoint t) const;
    friend bool operator==(const TimeInterval&, const TimeInterval&) = default;
};

/// Parsers for one field's list entries, each giving a message naming the bad entry.
/// Times: "HH:MM-HH:MM" (end may be "24:00"); weekdays: "monday" or "monday:friday" (a range
/// may wrap: "saturday:sunday");
/// days of month: "1", "1:5", "-1", "-7:-1"; months: "1:3" or "january:march"; years:
/// "2026" or "2026:2027".
[[nodiscard]] Result<std::pair<int, int>> parse_time_range(std::string_view text);
[[nodiscard]] Result<std::pair<int, int>> parse_weekday_range(std::string_view text);
[[nodiscard]] Result<std::pair<int, int>> parse_day_of_month_range(std::string_view text);
[[nodiscard]] Result<std::pair<int, int>> parse_month_range(std::string_view text);
[[nodiscard]] Result<std::pair<int, int>> parse_year_range(std::string_view text);
/// A time zone by IANA name ("Europe/Madrid", "UTC"). Errors: Errc::not_found.
[[nodiscard]] Result<const date::time_zone*> find_time_zone(std::string_view name);

}  // namespace noctua::core
