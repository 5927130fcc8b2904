#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"

namespace date {
class time_zone;
}

namespace noctua::core {

/// A five-field cron schedule (`minute hour day-of-month month day-of-week`) read in an IANA
/// time zone. Each field takes `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n`, and
/// comma-separated lists of those; months and weekdays also take English names (`jan`,
/// `mon-fri`); weekday 0 and 7 are Sunday. As in Vixie cron, when both day fields are
/// restricted a day matches if either does. `@yearly`, `@monthly`, `@weekly`, `@daily` and
/// `@hourly` stand for their usual expressions.
///
/// Daylight saving: a local time that does not exist (skipped by a spring-forward change)
/// fires once, at the first valid instant after the gap; a local time that happens twice (a
/// fall-back change) fires once, at its first occurrence.
///
/// Immutable after parse(), so safe to share between threads.
class CronSchedule {
public:
    /// Parses `expression` in the zone named `time_zone` ("Europe/Madrid", "UTC").
    /// Errors (Errc::invalid_argument) name the bad field and value; a schedule that can
    /// never fire ("0 0 30 2 *") and an unknown zone are errors too.
    [[nodiscard]] static Result<CronSchedule> parse(std::string_view expression,
                                                    std::string_view time_zone = "UTC");

    /// The first firing instant strictly after `after`, or nullopt when none comes within
    /// 28 years (a schedule that only fires on February 29 of a given weekday fires within
    /// that span).
    [[nodiscard]] std::optional<TimePoint> next_after(TimePoint after) const;

    [[nodiscard]] const std::string& expression() const { return expression_; }
    [[nodiscard]] const std::string& time_zone() const { return zone_name_; }

private:
    CronSchedule() = default;
    [[nodiscard]] bool day_matches(int month, int day, int weekday) const;

    std::string expression_;
    std::string zone_name_;
    const date::time_zone* zone_ = nullptr;
    std::bitset<60> minutes_;
    std::bitset<24> hours_;
    std::bitset<32> days_;      ///< 1…31
    std::bitset<13> months_;    ///< 1…12
    std::bitset<7> weekdays_;   ///< 0 = Sunday
    bool days_restricted_ = false;
    bool weekdays_restricted_ = false;
};

}  // namespace noctua::core
