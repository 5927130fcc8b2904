#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace noctua::core {

/// Event time: wall-clock time points, millisecond resolution is enough everywhere.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

/// Source of "now" for everything after the sources (docs/architecture.md, "Time").
/// Implementations are thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint now() const = 0;
};

/// The real wall clock.
class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override;
};

/// A clock that only moves when told to; for tests and replay. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{}) : now_(start.time_since_epoch().count()) {}
    [[nodiscard]] TimePoint now() const override {
        return TimePoint{std::chrono::milliseconds{now_.load()}};
    }
    void set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
    void advance(std::chrono::milliseconds d) { now_.fetch_add(d.count()); }

private:
    std::atomic<std::chrono::milliseconds::rep> now_;
};

/// RFC 3339 in UTC with second precision and a Z, e.g. "2024-05-01T10:00:00Z";
/// milliseconds are added when non-zero ("…T10:00:00.250Z").
[[nodiscard]] std::string format_rfc3339(TimePoint t);

/// Parses RFC 3339 ("2026-12-03T10:00:00Z", "…T10:00:00.250+02:00", fractions of any length,
/// digits past the millisecond dropped; "t" or a space for "T") to UTC milliseconds; nullopt
/// when `text` is not RFC 3339.
[[nodiscard]] std::optional<TimePoint> parse_rfc3339(std::string_view text);
/// parse_rfc3339() as milliseconds since the epoch into `out`; false when `s` is not RFC 3339.
/// (No std::optional on hot paths: returning one cost a store-forwarding stall per event.)
[[nodiscard]] bool parse_rfc3339_ms(std::string_view s, std::int64_t& out);

}  // namespace noctua::core
