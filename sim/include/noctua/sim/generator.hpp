#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/provider.hpp"
#include "noctua/sim/rng.hpp"
#include "noctua/sim/scenario.hpp"

namespace noctua::sim {

class SimService;

/// One generated transaction: the event Noctua ingests on /api/v1/events (one JSON per line).
struct TxEvent {
    std::string id;
    core::TimePoint ts{};
    std::string provider;
    std::string status;      ///< success|failed|pending|timeout|refunded
    std::string operator_name;
    std::string country;
    std::string product;     ///< airtime|data|giftcard|utility
    std::string customer;
    std::string error_code;  ///< empty for success and pending
    std::int64_t latency_ms = 0;
    double amount = 0;
    std::string currency;
    /// The provider float after this transaction, as the provider's answer reports it; unset
    /// when the transaction never reached the float (outages, token and operator failures).
    std::optional<double> balance;
};

/// `{"id":…,"ts":"RFC3339","provider":…,…}` without a trailing newline.
[[nodiscard]] std::string to_json(const TxEvent& e);

/// Traffic multiplier at local time `t + utc_offset`: the daily curve (quiet nights, busy late
/// afternoons) times the weekly one (Saturday busiest). Peaks at kPeakSeasonality.
[[nodiscard]] double seasonality(core::TimePoint t, int utc_offset_minutes);
inline constexpr double kPeakSeasonality = 1.35;

/// Deterministic transaction stream for a fleet: a non-homogeneous Poisson process (thinning)
/// whose rate follows `seasonality` per provider, with faults from the fleet's providers (and
/// an optional Timeline applied at event time) shaping volumes and outcomes.
///
/// The same seed, fleet and timeline give the same events. Successful transactions are charged to
/// the provider's balance (so balance probes see the burn), refunded ones given back.
/// Not thread-safe; shares the SimService's thread.
class Generator {
public:
    Generator(SimService& fleet, const TrafficSpec& traffic, std::uint64_t seed,
              core::TimePoint start);

    /// Applies `timeline` at event time from now on (the generator owns it).
    void set_timeline(Timeline timeline) { timeline_ = std::move(timeline); has_timeline_ = true; }

    /// The next event at or before `limit`, or nullopt when there is none by then (the timeline
    /// and fault expiry are still advanced to `limit`). Event times never decrease, and the
    /// output does not depend on how calls are split by `limit`. Without a limit this does not
    /// return while the fleet's traffic rate is zero (e.g. traffic_drop factor 0 everywhere).
    [[nodiscard]] std::optional<TxEvent> next(core::TimePoint limit);
    [[nodiscard]] TxEvent next();
    /// Event time of the last candidate considered (at least the start).
    [[nodiscard]] core::TimePoint now() const { return now_; }
    /// Applies timeline steps and fault expiry up to `t` without generating.
    void advance_to(core::TimePoint t);

    [[nodiscard]] std::uint64_t generated() const { return seq_; }

private:
    std::vector<double> rates(core::TimePoint t);
    TxEvent make_event(ProviderSim& p, core::TimePoint t);
    void outcome(TxEvent& e, ProviderSim& p, const Operator* op);

    SimService& fleet_;
    TrafficSpec traffic_;
    Rng rng_;
    core::TimePoint now_;
    double cursor_ms_ = 0;        // candidate time, ms since the epoch, unrounded
    bool have_candidate_ = false; // cursor_ms_ holds a candidate not yet accepted or rejected
    double per_second_ = 0;       // fleet rate at seasonality 1.0
    Timeline timeline_;
    bool has_timeline_ = false;
    std::uint64_t seq_ = 0;
    std::vector<std::string> customers_;
    std::vector<double> customer_weights_;
};

}  // namespace noctua::sim
