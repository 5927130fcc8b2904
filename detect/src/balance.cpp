#include "noctua/detect/balance.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util.hpp"

namespace noctua::detect {
namespace {

/// Leaving a level needs this much headroom over its thresholds.
constexpr double kHysteresis = 1.2;

int rank(std::string_view level) { return level == "critical" ? 2 : level == "warning" ? 1 : 0; }
std::string_view level_name(int r) { return r == 2 ? "critical" : r == 1 ? "warning" : ""; }

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

/// A rise of more than this share of the new balance is a deposit; smaller ones are refunds.
constexpr double kDepositShare = 0.05;
bool is_deposit(double before, double after) { return after - before > kDepositShare * after; }
/// Deposits whose preceding balance makes up the refill level.
constexpr std::size_t kLowsKept = 8;
/// Time to exhaustion pages a refilled float only under this share of its refill level.
constexpr double kRefillMargin = 0.8;
/// A float never seen refilled is watched this long before time to exhaustion pages: the
/// floats in bench/detect/stream.sh are refilled every 20 minutes to 8 hours.
constexpr core::Duration kRefillLearning = std::chrono::hours(24);

}  // namespace

BalanceDetector::BalanceDetector(config::RuleConfig rule) : SeriesDetector(std::move(rule)) {}

BalanceDetector::Series& BalanceDetector::get(const core::Labels& labels) {
    auto [it, added] = series_.try_emplace(labels.fingerprint());
    if (added) it->second.labels = labels;
    return it->second;
}

std::optional<BalanceDetector::Status> BalanceDetector::status(const core::Labels& series) const {
    auto it = series_.find(series.fingerprint());
    if (it == series_.end() || !it->second.seen) return std::nullopt;
    return it->second.last;
}

void BalanceDetector::for_each_status(
    const std::function<void(const core::Labels&, const Status&)>& fn) const {
    for (const auto& [fp, s] : series_) {
        if (s.seen) fn(s.labels, s.last);
    }
}

void BalanceDetector::observe(Measure m, const core::Sample& sample, std::string_view,
                              std::vector<Signal>& out) {
    if (!std::isfinite(sample.value)) return;
    if (m == Measure::balance) {
        on_balance(get(sample.labels), sample.time, sample.value, false, out);
    }
    if (m == Measure::amount) on_spend(sample, out);
    if (m == Measure::insufficient_balance) {
        on_errors(get(sample.labels), sample.time, sample.value, out);
    }
}

void BalanceDetector::on_spend(const core::Sample& sample, std::vector<Signal>& out) {
    // A provider's spend as a whole: the series whose only dimension is `provider` (the
    // stream's ["provider"] set), not its countries or operators, which would count it again.
    for (const auto& [k, v] : sample.labels.pairs()) {
        if (k != "provider" && k != "set" && k != "metric" && k != "currency") return;
    }
    const auto provider = sample.labels.get("provider");
    if (!provider || !(sample.value > 0)) return;
    const auto currency = sample.labels.get("currency");
    for (auto& [fp, s] : series_) {
        // Only spend after the last reading: a reading already holds what was spent before.
        if (!s.read || sample.time <= s.read->first) continue;
        if (s.labels.get("provider") != provider) continue;
        if (const auto own = s.labels.get("currency"); own && currency && *own != *currency) {
            continue;
        }
        s.spent_since_read += sample.value;
        on_balance(s, sample.time, s.read->second - s.spent_since_read, true, out);
    }
}

void BalanceDetector::on_balance(Series& s, core::TimePoint t, double balance, bool estimated,
                                 std::vector<Signal>& out) {
    const auto& c = options();
    if (!s.balances.empty() && t < s.balances.back().first) return;  // out of order
    if (s.balances.empty()) {
        s.first_at = t;
    } else if (const double prev = s.balances.back().second; !estimated && !s.last_estimated &&
                                                             is_deposit(prev, balance) &&
                                                             prev > 0 && s.reported.empty()) {
        // A deposit while all was well: the float is refilled at about this level. (One
        // after an alert, or from empty, tells of the incident, not of the habit; a reading
        // after estimates compares with a guess of the spend, not with a balance.)
        s.lows.push_back(prev);
        if (s.lows.size() > kLowsKept) s.lows.pop_front();
    }
    if (!estimated && !s.balances.empty() && is_deposit(s.balances.back().second, balance)) {
        s.failing.reset();
        s.deposit_at = t;
    }
    if (!estimated) {
        s.read = std::pair{t, balance};
        s.spent_since_read = 0;
    }
    s.last_estimated = estimated;
    s.balances.emplace_back(t, balance);
    while (s.balances.size() > 2 && s.balances.front().first < t - c.burn_window) {
        s.balances.pop_front();
    }
    // Spending = the net fall of the balance over the time the window spans. A deposit is not
    // negative spending: its interval, whose spending the deposit hides, is left out. Smaller
    // rises (refunds, released holds, small sweeps) count against the spend, so readings that
    // wander around a level, or a float refilled as fast as it spends, burn nothing.
    double spent = 0;
    double span = 0;
    for (std::size_t i = 1; i < s.balances.size(); ++i) {
        const double prev = s.balances[i - 1].second;
        const double cur = s.balances[i].second;
        if (is_deposit(prev, cur)) continue;
        spent += prev - cur;
        span += seconds(s.balances[i].first - s.balances[i - 1].first);
    }
    const bool enough = span >= seconds(c.burn_window) / 4;
    const double rate = enough && span > 0 && spent > 0 ? spent / span : 0;  // per second
    // Transactions fail for lack of balance and the balance has not moved since: what is left
    // is less than they need.
    const bool starved = balance > 0 && s.failing && balance == s.failing->second &&
                         t - s.failing->first <= std::max(c.burst_hold, c.burst_window);
    std::optional<double> tte;
    if (balance <= 0 || starved) {
        tte = 0;
    } else if (rate > 0) {
        tte = balance / rate;
    }
    std::optional<double> refill;
    if (!s.lows.empty()) refill = *std::min_element(s.lows.begin(), s.lows.end());
    // Whether time to exhaustion speaks (with `factor` for hysteresis): the float is not in
    // its usual refill cycle, or has been watched long enough to know it has none.
    auto off_cycle = [&](double factor) {
        if (refill) return balance < *refill * kRefillMargin * factor;
        return t - s.first_at >= kRefillLearning;
    };
    s.seen = true;
    s.last.balance = balance;
    s.last.burn_per_hour = rate * 3600;
    s.last.exhaustion_seconds = tte;
    s.last.refill_level = refill;

    auto level_at = [&](double factor) {
        auto below = [&](const std::optional<double>& thr) {
            return thr && balance <= *thr + std::abs(*thr) * (factor - 1);
        };
        auto soon = [&](core::Duration limit) {
            return limit > core::Duration::zero() && tte && *tte <= seconds(limit) * factor &&
                   off_cycle(factor);
        };
        if (balance <= 0 || starved || below(c.critical) || soon(c.exhaustion_critical)) {
            return 2;
        }
        if (below(c.warning) || soon(c.exhaustion_warning)) return 1;
        return 0;
    };
    const int current = rank(s.reported);
    const int enter = level_at(1.0);
    const int next = std::max(enter, std::min(current, level_at(kHysteresis)));
    s.last.level = std::string(level_name(next));
    if (next == current) {
        s.pending.clear();
        return;
    }
    if (next > current && c.for_ > core::Duration::zero()) {
        if (s.pending != level_name(next)) {
            s.pending = std::string(level_name(next));
            s.pending_since = t;
        }
        if (t - s.pending_since < c.for_) return;
    }
    s.pending.clear();

    const auto who = describe(s.labels);
    std::string why;
    if (starved) {
        why = fmt::format("{} balance {} is exhausted in effect: transactions fail for lack of "
                          "balance and it no longer falls",
                          who, human(balance));
    } else if (tte && (*tte <= seconds(c.exhaustion_warning) * kHysteresis || balance <= 0)) {
        why = balance <= 0 ? fmt::format("{} balance is exhausted ({})", who, human(balance))
                           : fmt::format("{} balance {} lasts {} at the current spend ({}/h "
                                         "over the last {}){}",
                                         who, human(balance), about(*tte), human(rate * 3600),
                                         format_span(c.burn_window),
                                         refill ? fmt::format("; usually refilled at about {}",
                                                              human(*refill))
                                                : std::string());
    } else {
        const auto& thr = next == 2 ? c.critical : c.warning;
        why = fmt::format("{} balance {} is at or below the {} threshold {}", who,
                          human(balance), level_name(next), thr ? human(*thr) : "?");
    }
    if (current > 0) {
        auto labels = s.labels;
        labels.set("severity", level_name(current));
        auto sig = make_signal(
            labels, t, false, balance,
            next > 0 ? fmt::format("{} (now {})", why, level_name(next))
                     : fmt::format("{} balance {} is healthy again", who, human(balance)));
        out.push_back(std::move(sig));
    }
    s.reported = std::string(level_name(next));
    if (next == 0) return;
    auto labels = s.labels;
    labels.set("severity", level_name(next));
    if (estimated) {
        why += fmt::format(" (estimated: read {}, {} spent since in the stream)",
                           human(s.read->second), human(s.spent_since_read));
    }
    auto sig = make_signal(labels, t, true, balance, why);
    sig.annotations["balance"] = human(balance);
    if (estimated) sig.annotations["balance_read"] = human(s.read->second);
    sig.annotations["burn_per_hour"] = human(rate * 3600);
    if (tte) sig.annotations["time_to_exhaustion"] = about(*tte);
    if (refill) sig.annotations["refill_level"] = human(*refill);
    out.push_back(std::move(sig));
}

void BalanceDetector::on_errors(Series& s, core::TimePoint t, double count,
                                std::vector<Signal>& out) {
    const auto& c = options();
    if (count <= 0 || c.burst <= 0) return;
    check_burst_end(s, t, out);
    s.errors.emplace_back(t, count);
    while (!s.errors.empty() && s.errors.front().first <= t - c.burst_window) s.errors.pop_front();
    double total = 0;
    for (const auto& e : s.errors) total += e.second;
    if (total >= c.burst) mark_failing(s, t);
    if (s.burst_firing || total < c.burst) return;
    s.burst_firing = true;
    auto labels = s.labels;
    labels.set("severity", "critical");
    labels.set("reason", "insufficient_balance_errors");
    auto sig = make_signal(labels, t, true, total,
                           fmt::format("{}: {} insufficient-balance errors in {}: traffic is "
                                       "being lost for lack of balance",
                                       describe(s.labels), human(total),
                                       format_span(c.burst_window)));
    out.push_back(std::move(sig));
}

void BalanceDetector::mark_failing(const Series& errors, core::TimePoint t) {
    const auto provider = errors.labels.get("provider");
    const auto customer = errors.labels.get("customer");
    for (auto& [fp, s] : series_) {
        if (s.balances.empty()) continue;
        const bool same = provider    ? s.labels.get("provider") == provider
                          : customer ? s.labels.get("customer") == customer
                                     : &s == &errors;
        // Errors from before the last deposit tell of the float it refilled.
        if (same && t >= s.deposit_at) s.failing = std::pair{t, s.balances.back().second};
    }
}

void BalanceDetector::check_burst_end(Series& s, core::TimePoint now, std::vector<Signal>& out) {
    if (!s.burst_firing) return;
    // A drained float fails in bursts (traffic pauses, retries come in waves): resolving after
    // 2 quiet minutes re-paged the same drain every pause (bench/detect/stream.sh), so the
    // default `burst_hold` of 15 minutes rides out those pauses, while a topped-up float still
    // resolves soon after traffic succeeds again (its errors stop at once).
    const auto hold = std::max(options().burst_hold, options().burst_window);
    if (!s.errors.empty() && s.errors.back().first > now - hold) return;
    s.burst_firing = false;
    s.errors.clear();
    auto labels = s.labels;
    labels.set("severity", "critical");
    labels.set("reason", "insufficient_balance_errors");
    out.push_back(make_signal(labels, now, false, 0,
                              fmt::format("{}: no insufficient-balance errors for {}",
                                          describe(s.labels), format_span(hold))));
}

void BalanceDetector::advance(core::TimePoint now, std::vector<Signal>& out) {
    for (auto& [fp, s] : series_) check_burst_end(s, now, out);
}

}  // namespace noctua::detect
