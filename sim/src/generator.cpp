#include "noctua/sim/generator.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "noctua/core/json.hpp"
#include "noctua/sim/service.hpp"

namespace noctua::sim {
namespace {

// Relative volume by local hour: quiet nights, a morning ramp, busy late afternoons.
constexpr std::array<double, 24> kDaily{0.22, 0.14, 0.09, 0.07, 0.07, 0.10, 0.22, 0.40,
                                        0.55, 0.65, 0.72, 0.78, 0.85, 0.88, 0.90, 0.92,
                                        0.95, 1.00, 1.00, 0.97, 0.88, 0.72, 0.52, 0.34};
// Monday … Sunday: Friday and above all Saturday are busier.
constexpr std::array<double, 7> kWeekly{0.90, 0.88, 0.90, 0.95, 1.10, 1.35, 1.05};

struct CodeWeight {
    std::string_view code;
    double weight;
};
constexpr std::array<CodeWeight, 4> kAirtimeCustomerErrors{{
    {"INVALID_RECIPIENT_PHONE", 0.50},
    {"PHONE_RECENTLY_RECHARGED", 0.25},
    {"INVALID_AMOUNT_FOR_OPERATOR", 0.15},
    {"MAX_DAILY_TRANSACTION_COUNT_REACHED", 0.10},
}};
constexpr std::array<CodeWeight, 2> kGiftCustomerErrors{{
    {"INVALID_AMOUNT", 0.60},
    {"MAX_DAILY_TRANSACTION_AMOUNT_REACHED", 0.40},
}};
constexpr std::string_view kProviderBusy = "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT";
constexpr std::string_view kOperatorDown = "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE";

template <std::size_t N>
std::string_view pick_code(Rng& rng, const std::array<CodeWeight, N>& table) {
    std::array<double, N> w{};
    for (std::size_t i = 0; i < N; ++i) w[i] = table[i].weight;
    return table[rng.weighted(w)].code;
}

}  // namespace

std::string to_json(const TxEvent& e) {
    core::JsonWriter w;
    w.begin_object()
        .field("id", e.id)
        .field("ts", core::format_rfc3339(e.ts))
        .field("provider", e.provider)
        .field("status", e.status)
        .field("operator", e.operator_name)
        .field("country", e.country)
        .field("product", e.product)
        .field("customer", e.customer);
    if (!e.error_code.empty()) w.field("error_code", e.error_code);
    w.field("latency_ms", e.latency_ms).field("amount", e.amount).field("currency", e.currency);
    if (e.balance) w.field("balance", std::round(*e.balance * 100) / 100);
    w.end_object();
    return std::move(w).str();
}

double seasonality(core::TimePoint t, int utc_offset_minutes) {
    const std::int64_t local_min =
        std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count() + utc_offset_minutes;
    const std::int64_t day = local_min >= 0 ? local_min / 1440 : (local_min - 1439) / 1440;
    const std::int64_t minute_of_day = local_min - day * 1440;
    const auto hour = static_cast<std::size_t>(minute_of_day / 60);
    const double frac = static_cast<double>(minute_of_day % 60) / 60.0;
    const double daily = kDaily[hour] + (kDaily[(hour + 1) % 24] - kDaily[hour]) * frac;
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    const auto weekday = static_cast<std::size_t>(((day % 7) + 7 + 3) % 7);
    return daily * kWeekly[weekday];
}

Generator::Generator(SimService& fleet, const TrafficSpec& traffic, std::uint64_t seed,
                     core::TimePoint start)
    : fleet_(fleet),
      traffic_(traffic),
      rng_(Rng::derive(seed, 1)),
      now_(start),
      cursor_ms_(static_cast<double>(start.time_since_epoch().count())),
      per_second_(traffic.peak_per_minute / 60.0 / kPeakSeasonality) {
    const int n = std::max(1, traffic_.customers);
    for (int i = 0; i < n; ++i) {
        customers_.push_back(fmt::format("cust-{:04}", i + 1));
        // Zipf-like: a few big resellers and a long tail.
        customer_weights_.push_back(1.0 / (i + 1));
    }
}

std::vector<double> Generator::rates(core::TimePoint t) {
    auto& providers = fleet_.providers();
    double total_weight = 0;
    for (auto& p : providers) total_weight += p->spec().weight;
    std::vector<double> r(providers.size(), 0.0);
    if (total_weight <= 0) return r;
    for (std::size_t i = 0; i < providers.size(); ++i) {
        const auto& s = providers[i]->spec();
        r[i] = per_second_ * s.weight / total_weight * seasonality(t, s.utc_offset_minutes);
        if (const auto* drop = providers[i]->faults().find(FaultKind::traffic_drop)) r[i] *= drop->factor;
    }
    for (std::size_t i = 0; i < providers.size(); ++i) {
        for (const auto& f : providers[i]->faults().all()) {
            if (f.kind != FaultKind::traffic_shift) continue;
            for (std::size_t j = 0; j < providers.size(); ++j) {
                if (j == i || providers[j]->id() != f.target) continue;
                const double moved = r[i] * f.factor;
                r[i] -= moved;
                r[j] += moved;
            }
        }
    }
    return r;
}

void Generator::advance_to(core::TimePoint t) {
    if (has_timeline_) timeline_.advance_to(t, fleet_);
    for (auto& p : fleet_.providers()) p->expire_faults(t);
    if (t > now_) now_ = t;
}

TxEvent Generator::next() {
    for (;;) {
        if (auto e = next(core::TimePoint::max())) return std::move(*e);
    }
}

std::optional<TxEvent> Generator::next(core::TimePoint limit) {
    // The fleet rate never exceeds per_second_ * kPeakSeasonality (drops only lower it, shifts
    // move it), so thinning against that bound is exact.
    const double max_rate = per_second_ * kPeakSeasonality;
    if (max_rate <= 0) {
        advance_to(limit);
        return std::nullopt;
    }
    for (;;) {
        if (!have_candidate_) {
            cursor_ms_ += rng_.exponential(max_rate) * 1000.0;
            have_candidate_ = true;
        }
        const core::TimePoint t{std::chrono::milliseconds{static_cast<std::int64_t>(cursor_ms_)}};
        if (t > limit) {
            advance_to(limit);
            return std::nullopt;
        }
        have_candidate_ = false;
        advance_to(t);
        const auto r = rates(t);
        double total = 0;
        for (double x : r) total += x;
        if (rng_.uniform() * max_rate >= total) continue;
        auto& provider = *fleet_.providers()[rng_.weighted(r)];
        return make_event(provider, t);
    }
}

TxEvent Generator::make_event(ProviderSim& p, core::TimePoint t) {
    const auto& s = p.spec();
    TxEvent e;
    e.id = fmt::format("{:016x}", rng_.next());
    e.ts = t;
    e.provider = s.id;
    e.currency = s.currency;
    ++seq_;

    // Most traffic goes to the home country, the rest spread over the others.
    std::vector<double> country_w(s.countries.size(), s.countries.size() > 1 ? 0.3 / static_cast<double>(s.countries.size() - 1) : 1.0);
    country_w[0] = s.countries.size() > 1 ? 0.7 : 1.0;
    e.country = s.countries[rng_.weighted(country_w)];

    const Operator* op = nullptr;
    std::vector<const Operator*> ops;
    std::vector<double> op_w;
    for (const auto& o : p.catalogue()) {
        if (o.country != e.country) continue;
        ops.push_back(&o);
        op_w.push_back(o.popularity);
    }
    if (ops.empty()) {
        for (const auto& o : p.catalogue()) {
            ops.push_back(&o);
            op_w.push_back(o.popularity);
        }
    }
    if (!ops.empty()) op = ops[rng_.weighted(op_w)];
    e.operator_name = op != nullptr ? op->name : "unknown";

    if (s.flavour == Flavour::giftcards) {
        e.product = "giftcard";
    } else {
        e.product = (op != nullptr && op->data && rng_.chance(0.35)) ? "data" : "airtime";
    }
    e.customer = customers_[rng_.weighted(customer_weights_)];
    std::vector<double> amount_w;
    for (std::size_t i = 0; i < s.amounts.size(); ++i) amount_w.push_back(1.0 / static_cast<double>(i + 1));
    e.amount = s.amounts[rng_.weighted(amount_w)];
    e.latency_ms = static_cast<std::int64_t>(rng_.lognormal(s.latency_ms, 0.45));
    outcome(e, p, op);
    e.latency_ms += p.faults().extra_latency().count();
    return e;
}

void Generator::outcome(TxEvent& e, ProviderSim& p, const Operator* op) {
    const auto& faults = p.faults();
    auto fail = [&](std::string_view status, std::string_view code, double latency_median) {
        e.status = std::string{status};
        e.error_code = std::string{code};
        e.latency_ms = static_cast<std::int64_t>(rng_.lognormal(latency_median, 0.4));
    };
    if (const auto* outage = faults.find(FaultKind::outage)) {
        switch (outage->mode) {
            case OutageMode::http_5xx: fail("failed", kProviderBusy, 80); return;
            case OutageMode::timeout:
                e.status = "timeout";
                e.error_code = std::string{kProviderBusy};
                e.latency_ms = 30'000;
                return;
            case OutageMode::reset: fail("failed", kProviderBusy, 40); return;
        }
    }
    if (faults.has(FaultKind::token_failure)) {
        fail("failed", "INVALID_TOKEN", 60);
        return;
    }
    const bool operator_down =
        op != nullptr && (faults.targets(FaultKind::operator_failure, op->name) ||
                          faults.targets(FaultKind::operator_failure, std::to_string(op->id)));
    if (operator_down || faults.targets(FaultKind::country_failure, e.country)) {
        fail("failed", kOperatorDown, 250);
        return;
    }
    if (faults.targets(FaultKind::customer_wallet_dry, e.customer)) {
        fail("failed", "INSUFFICIENT_BALANCE", 40);
        return;
    }
    if (rng_.chance(traffic_.customer_error_rate)) {
        const auto code = p.spec().flavour == Flavour::giftcards ? pick_code(rng_, kGiftCustomerErrors)
                                                                 : pick_code(rng_, kAirtimeCustomerErrors);
        fail("failed", code, 150);
        return;
    }
    if (!p.charge(e.amount, e.ts)) {
        fail("failed", "INSUFFICIENT_BALANCE", 120);
        e.balance = p.balance_at(e.ts);
        return;
    }
    const double u = rng_.uniform();
    const double pe = traffic_.provider_error_rate;
    if (u < pe * 0.6) {
        p.refund(e.amount);
        e.status = "failed";
        e.error_code = std::string{kProviderBusy};
    } else if (u < pe * 0.8) {
        p.refund(e.amount);
        e.status = "failed";
        e.error_code = std::string{kOperatorDown};
    } else if (u < pe) {
        p.refund(e.amount);
        e.status = "timeout";
        e.error_code = std::string{kProviderBusy};
        e.latency_ms = 30'000;
    } else if (u < pe + traffic_.pending_rate) {
        e.status = "pending";
    } else if (u < pe + traffic_.pending_rate + traffic_.refund_rate) {
        p.refund(e.amount);
        e.status = "refunded";
        e.error_code = "TOPUP_TRANSACTION_FAILED";
    } else {
        e.status = "success";
    }
    e.balance = p.balance_at(e.ts);
}

}  // namespace noctua::sim
