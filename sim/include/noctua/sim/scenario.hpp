#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/result.hpp"
#include "noctua/sim/fault.hpp"

namespace noctua::sim {

class SimService;

/// One step of a fault timeline.
struct TimelineStep {
    enum class Action { fault, heal, clear, set_balance };
    core::Duration at{0};   ///< offset from the start of the simulation (event time)
    std::string provider;   ///< provider id, or "*" for every provider
    Action action = Action::fault;
    Fault fault;            ///< Action::fault; Action::clear uses fault.kind
    double balance = 0;     ///< Action::set_balance
};

/// A fault timeline loaded from a scenario file:
///
///     name = "acme outage"
///     [[step]]
///     at = "10m"
///     provider = "acme"
///     kind = "outage"          # any fault kind, or "heal", "clear", "balance"
///     mode = "5xx"
///     for = "15m"              # optional: cleared automatically after this long
///
/// Steps are kept sorted by `at` (stable, so file order breaks ties).
struct Scenario {
    std::string name;
    std::vector<TimelineStep> steps;
};

/// Parses a scenario file (TOML). Unknown keys, unknown kinds, and bad durations are errors,
/// reported as "SOURCE:LINE:COL: key.path: message".
[[nodiscard]] core::Result<Scenario> parse_scenario(std::string_view toml, std::string_view source);
[[nodiscard]] core::Result<Scenario> load_scenario(const std::filesystem::path& path);

/// Applies a scenario to a fleet as simulated time passes. `advance_to(t)` applies, in order,
/// every step due at or before t that has not been applied yet. Not thread-safe.
class Timeline {
public:
    Timeline() = default;
    Timeline(Scenario scenario, core::TimePoint start);

    /// Applies the steps due by `t`; returns how many were applied now. Steps naming an unknown
    /// provider are skipped (validated by the caller against the fleet when loading).
    std::size_t advance_to(core::TimePoint t, SimService& fleet);
    /// When the next unapplied step is due, if any.
    [[nodiscard]] std::optional<core::TimePoint> next_due() const;
    [[nodiscard]] std::size_t applied() const { return next_; }
    [[nodiscard]] const Scenario& scenario() const { return scenario_; }
    [[nodiscard]] core::TimePoint start() const { return start_; }

private:
    Scenario scenario_;
    core::TimePoint start_{};
    std::size_t next_ = 0;
};

/// Names every provider a scenario mentions that the fleet lacks (empty when all are known).
[[nodiscard]] std::vector<std::string> unknown_providers(const Scenario& s, SimService& fleet);

}  // namespace noctua::sim
