// The simulated provider: time format, construction, balance, faults, error responses.
#include "noctua/sim/provider.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/json.hpp"
#include "provider_http.hpp"

namespace noctua::sim {

// ---------------------------------------------------------------------------------------------
// Time format

std::string format_api_time(core::TimePoint t) {
    const auto secs = static_cast<std::time_t>(
        std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<core::TimePoint> parse_api_time(std::string_view s) {
    if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':') {
        return std::nullopt;
    }
    auto num = [&](std::size_t pos, std::size_t len) { return to_int(s.substr(pos, len)); };
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
         se = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 ||
        *h > 23 || *mi > 59 || *se > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*y)},
                                          std::chrono::month{static_cast<unsigned>(*mo)},
                                          std::chrono::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    const auto day = std::chrono::sys_days{ymd};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        day + std::chrono::hours{*h} + std::chrono::minutes{*mi} + std::chrono::seconds{*se});
}

// ---------------------------------------------------------------------------------------------
// Construction, balance, faults

ProviderSim::ProviderSim(ProviderSpec spec, const core::Clock& clock, std::uint64_t seed)
    : spec_(std::move(spec)), clock_(clock), rng_(seed), balance_(spec_.balance) {
    complete_defaults(spec_);
    balance_updated_ = clock_.now();
    build_catalogue();
}

void ProviderSim::build_catalogue() {
    catalogue_.clear();
    const double sender_per_usd = units_per_usd(spec_.currency);
    std::int64_t next_id = spec_.flavour == Flavour::giftcards ? 1000 : 100;
    int index = 0;
    for (const auto& iso : spec_.countries) {
        const auto info = country_info(iso);
        std::vector<std::string> names;
        if (spec_.flavour == Flavour::giftcards) {
            for (auto b : kBrands) names.push_back(fmt::format("{} {}", b, iso));
        } else if (info.operators.empty()) {
            for (int i = 1; i <= 3; ++i) names.push_back(fmt::format("{} Mobile {}", iso, i));
        } else {
            for (auto n : info.operators) names.emplace_back(n);
        }
        int rank = 0;
        for (const auto& name : names) {
            Operator op;
            op.id = next_id;
            next_id += 7;
            op.name = name;
            op.country = iso;
            op.destination_currency = std::string{info.currency};
            op.fx_rate = units_per_usd(info.currency) / sender_per_usd;
            op.commission = 2.5 + 0.5 * (index % 4);
            op.data = spec_.flavour == Flavour::airtime && index % 2 == 0;
            op.popularity = 1.0 / std::pow(rank + 1, 0.8);
            if (spec_.flavour == Flavour::giftcards) {
                op.fixed = true;
                op.fixed_amounts = default_amounts(info.currency);  // recipient currency
            } else if (index % 3 == 2) {
                op.fixed = true;
                op.fixed_amounts = spec_.amounts;
            } else {
                op.min_amount = round2(spec_.amounts.front() * 0.2);
                op.max_amount = round2(spec_.amounts.back() * 2.0);
            }
            catalogue_.push_back(std::move(op));
            ++index;
            ++rank;
        }
    }
}

std::string_view ProviderSim::media_type() const {
    return spec_.flavour == Flavour::giftcards ? kGiftcardsMedia : kTopupsMedia;
}

std::vector<std::string> ProviderSim::audiences() const {
    const std::string_view product = spec_.flavour == Flavour::giftcards ? "giftcards" : "topups";
    return {fmt::format("https://{}.reloadly.com", product),
            fmt::format("https://{}-sandbox.reloadly.com", product)};
}

double ProviderSim::balance_at(core::TimePoint now) {
    if (const auto* drain = faults_.find(FaultKind::balance_drain)) {
        double target = 0;
        if (drain->over.count() > 0 && now < drain->since + drain->over) {
            const double frac = static_cast<double>((now - drain->since).count()) /
                                static_cast<double>(drain->over.count());
            target = drain_start_balance_ * (1.0 - frac);
        }
        if (balance_ > target) {
            balance_ = round2(target);
            balance_updated_ = now;
        }
    }
    return balance_;
}

void ProviderSim::set_balance(double b) {
    balance_ = b;
    balance_updated_ = clock_.now();
}

bool ProviderSim::charge(double amount, core::TimePoint at) {
    const double available = balance_at(at);
    if (available < amount) return false;
    balance_ = available - amount;
    balance_updated_ = at;
    // A finance team tops the float up when it runs low, unless a drain is being simulated.
    if (spec_.topup_below > 0 && balance_ < spec_.topup_below &&
        !faults_.has(FaultKind::balance_drain)) {
        balance_ += spec_.topup_amount;
    }
    return true;
}

void ProviderSim::add_fault(Fault f) {
    if (f.since == core::TimePoint{}) f.since = clock_.now();
    if (f.kind == FaultKind::balance_drain) {
        if (!faults_.has(FaultKind::balance_drain)) drain_start_balance_ = balance_;
        faults_.remove(FaultKind::balance_drain);
    }
    if (f.kind == FaultKind::catalogue_change && !faults_.has(FaultKind::catalogue_change) &&
        !catalogue_.empty()) {
        original_catalogue_ = catalogue_;
        // What real catalogue updates look like: an operator withdrawn, one renamed, a range
        // moved and a newcomer.
        Operator newcomer = catalogue_.front();
        newcomer.id = catalogue_.back().id + 1000;
        newcomer.name = fmt::format("{} NewTel", newcomer.country);
        newcomer.popularity = 0.3;
        if (catalogue_.size() > 1) catalogue_.pop_back();
        catalogue_.front().name += " (rebranded)";
        for (auto& op : catalogue_) {
            if (!op.fixed) {
                op.min_amount = round2(op.min_amount * 2);
                break;
            }
        }
        catalogue_.push_back(std::move(newcomer));
    }
    faults_.add(std::move(f));
}

void ProviderSim::clear_fault(FaultKind kind) {
    if (kind == FaultKind::catalogue_change && faults_.has(kind)) catalogue_ = original_catalogue_;
    if (kind == FaultKind::balance_drain && faults_.has(kind)) {
        // Ending a drain is a deposit that brings the float back to where it was.
        balance_ = std::max(balance_, drain_start_balance_);
        balance_updated_ = clock_.now();
    }
    faults_.remove(kind);
}

void ProviderSim::heal() {
    std::vector<FaultKind> kinds;
    for (const auto& f : faults_.all()) kinds.push_back(f.kind);
    for (auto k : kinds) clear_fault(k);
}

void ProviderSim::expire_faults(core::TimePoint now) {
    std::vector<FaultKind> gone;
    for (const auto& f : faults_.all()) {
        if (auto until = f.until(); until && *until <= now) gone.push_back(f.kind);
    }
    for (auto k : gone) clear_fault(k);
}

// ---------------------------------------------------------------------------------------------
// Responses

ServerResponse ProviderSim::ok(std::string body) {
    ServerResponse r = ServerResponse::json(200, std::move(body));
    r.content_type = std::string{media_type()};
    return r;
}

ServerResponse ProviderSim::app_error(int status, std::string_view message,
                                      std::optional<std::string_view> code, std::string_view path) {
    JsonWriter w;
    w.begin_object()
        .field("timeStamp", format_api_time(clock_.now()))
        .field("message", message)
        .field("path", path);
    w.key("errorCode");
    if (code) w.value(*code);
    else w.null();
    w.key("infoLink").null();
    w.key("details").begin_array().end_array();
    w.end_object();
    return ServerResponse::json(status, std::move(w).str());
}

ServerResponse ProviderSim::spring_error(int status, std::string_view error,
                                         std::string_view message, std::string_view path) {
    JsonWriter w;
    w.begin_object()
        .field("timeStamp", format_api_time(clock_.now()))
        .field("status", status)
        .field("error", error)
        .field("message", message)
        .field("path", path)
        .end_object();
    return ServerResponse::json(status, std::move(w).str());
}

std::optional<Reply> ProviderSim::refuse_order(const Operator& op, std::string_view custom_id,
                                               std::string_view unavailable,
                                               std::string_view path) {
    if (!custom_id.empty() && custom_ids_.contains(std::string{custom_id})) {
        return Reply{app_error(400,
                               fmt::format("Custom identifier {} has already been used", custom_id),
                               "DUPLICATE_CUSTOM_IDENTIFIER", path)};
    }
    if (faults_.targets(FaultKind::operator_failure, op.name) ||
        faults_.targets(FaultKind::operator_failure, std::to_string(op.id)) ||
        faults_.targets(FaultKind::country_failure, op.country)) {
        return Reply{app_error(400, unavailable, "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE", path)};
    }
    return std::nullopt;
}

}  // namespace noctua::sim
