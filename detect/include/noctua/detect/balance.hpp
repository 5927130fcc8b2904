#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

#include "noctua/detect/detector.hpp"
#include "noctua/detect/kinds/balance.hpp"

namespace noctua::detect {

/// The `balance` rule, for provider floats and customer wallets alike (any series of balance
/// samples, e.g. labels {provider, currency} or {customer, currency}).
///
/// - Thresholds: at or below `warning` / `critical` it fires with that severity.
/// - Time to exhaustion: balance ÷ burn rate, where the burn rate is the spending over
///   `burn_window` — the net fall of the balance between consecutive samples divided by the
///   time they span. A deposit raises the balance and is not negative spending (its interval
///   is left out), so it neither hides the burn nor resets it; smaller rises (refunds,
///   released holds) count against the spend, so readings that wander around a level burn
///   nothing. At or below `exhaustion_warning` /
///   `exhaustion_critical` it fires ("balance lasts about 3 h at the current spend"), once
///   it knows the float's habits:
///   - A float that is refilled (a rise of more than 5% of the balance: a deposit, not a
///     refund) has a refill level, the lowest balance it stood at before its last 8 deposits.
///     Running low is then its normal cycle, and time to exhaustion pages only once the
///     balance is under 80% of that level: the deposit that usually comes did not, and the
///     float will run dry at the current spend (a float refilled every half hour always has
///     under an hour left, and must not page for it).
///   - A float never seen refilled pages on time to exhaustion after it has been watched for
///     a day (a float refilled twice a day has taught its level by then).
///   Balances come from a probe's extracted `balance` or from the stream (events that carry
///   the provider's balance, windows' `metric=balance` samples). Between two readings the
///   stream's spend updates them: a provider's `Measure::amount` samples (the value of its
///   successful transactions per bucket, from a series whose only dimension is `provider`)
///   newer than a series' last reading are subtracted from that reading, in the series'
///   currency when both name one, so a float read every few minutes or hours is judged on
///   its estimated balance at every bucket ("estimated: read 30k, 25.2k spent since").
/// - A burst of `burst` insufficient-balance errors within `burst_window`
///   (Measure::insufficient_balance) fires critical at once, with label
///   `reason="insufficient_balance_errors"`. It stays firing while errors keep coming and
///   resolves after `burst_hold` (15 minutes; `burst_window`, if longer) without any: one alert per
///   drain, not one per pause in the failing traffic.
/// - A float is exhausted in effect when such a burst comes for its holder (the same
///   `provider`, else the same `customer`) and its balance does not move from then on: the
///   remainder is smaller than what transactions need. It then counts as empty (time to exhaustion 0,
///   critical) until a deposit, instead of a float that "is not spending".
///
/// The alert carries `severity` = warning|critical; a change of level resolves the old alert
/// and fires the new one. Leaving a level needs 20% headroom (hysteresis).
/// Not thread-safe (see Detector).
class BalanceDetector final : public SeriesDetector<BalanceDetector, BalanceOptions> {
public:
    explicit BalanceDetector(config::RuleConfig rule);

    /// Burn rate (units per hour) and time to exhaustion (seconds) at the last sample.
    struct Status {
        double balance = 0;
        double burn_per_hour = 0;
        std::optional<double> exhaustion_seconds;  ///< nullopt: not spending
        std::optional<double> refill_level;        ///< nullopt: never seen refilled
        std::string level;                         ///< "", "warning" or "critical"
    };
    [[nodiscard]] std::optional<Status> status(const core::Labels& series) const;
    /// Calls `fn` with the labels and last status of every series with a balance (no order).
    void for_each_status(
        const std::function<void(const core::Labels&, const Status&)>& fn) const;

    // Detector
    [[nodiscard]] bool consumes(Measure m) const override {
        return m == Measure::balance || m == Measure::insufficient_balance || m == Measure::amount;
    }
    void observe(Measure m, const core::Sample& sample, std::string_view detail,
                 std::vector<Signal>& out) override;
    /// Resolves error bursts after `burst_hold` (or `burst_window`, if longer) without
    /// insufficient-balance errors.
    void advance(core::TimePoint now, std::vector<Signal>& out) override;

private:
    friend class SeriesDetector<BalanceDetector, BalanceOptions>;
    struct Series {
        core::Labels labels;
        std::deque<std::pair<core::TimePoint, double>> balances;
        core::TimePoint first_at{};  // first balance seen
        std::deque<double> lows;     // the balance before each of the last deposits
        // The last balance read (not estimated), and the stream's spend since it.
        std::optional<std::pair<core::TimePoint, double>> read;
        double spent_since_read = 0;
        bool last_estimated = false;  // the latest entry of `balances` is an estimate
        std::string reported;  // "", "warning", "critical"
        std::string pending;
        core::TimePoint pending_since{};
        std::deque<std::pair<core::TimePoint, double>> errors;
        bool burst_firing = false;
        // When a burst of insufficient-balance errors was last seen for this holder, and the
        // balance then; cleared by a deposit.
        std::optional<std::pair<core::TimePoint, double>> failing;
        core::TimePoint deposit_at{};  // the last deposit read
        Status last;
        bool seen = false;
    };
    /// Past a threshold, not yet for `for`.
    static bool pending(const Series& s) { return !s.pending.empty(); }
    Series& get(const core::Labels& labels);
    /// A balance at `t`: read (a sample), or estimated from the stream's spend since.
    void on_balance(Series& s, core::TimePoint t, double balance, bool estimated,
                    std::vector<Signal>& out);
    void on_spend(const core::Sample& sample, std::vector<Signal>& out);
    void on_errors(Series& s, core::TimePoint t, double count, std::vector<Signal>& out);
    void check_burst_end(Series& s, core::TimePoint now, std::vector<Signal>& out);
    /// A burst of insufficient-balance errors at `t` on `errors`: marks the balances of the
    /// same holder as failing.
    void mark_failing(const Series& errors, core::TimePoint t);
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::detect
