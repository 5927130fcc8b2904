#include "noctua/sim/fault.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/enum_names.hpp"

namespace noctua::sim {
namespace {

constexpr core::EnumName<FaultKind> kKinds[] = {
    {FaultKind::outage, "outage"},
    {FaultKind::latency, "latency"},
    {FaultKind::balance_drain, "balance_drain"},
    {FaultKind::token_failure, "token_failure"},
    {FaultKind::operator_failure, "operator_failure"},
    {FaultKind::country_failure, "country_failure"},
    {FaultKind::customer_wallet_dry, "customer_wallet_dry"},
    {FaultKind::traffic_drop, "traffic_drop"},
    {FaultKind::traffic_shift, "traffic_shift"},
    {FaultKind::catalogue_change, "catalogue_change"},
    {FaultKind::rate_limit, "rate_limit"},
    {FaultKind::tls_error, "tls_error"},
};

constexpr core::EnumName<OutageMode> kOutageModes[] = {
    {OutageMode::http_5xx, "5xx"},
    {OutageMode::timeout, "timeout"},
    {OutageMode::reset, "reset"},
};

constexpr core::EnumName<TlsMode> kTlsModes[] = {
    {TlsMode::expired, "expired"},
    {TlsMode::self_signed, "self_signed"},
    {TlsMode::wrong_host, "wrong_host"},
    {TlsMode::handshake, "handshake"},
};

std::string known_kinds() {
    std::vector<std::string_view> names;
    for (const auto& [k, n] : kKinds) names.push_back(n);
    std::sort(names.begin(), names.end());
    return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

std::string_view to_string(FaultKind k) { return core::name_of(kKinds, k, "outage"); }

std::optional<FaultKind> parse_fault_kind(std::string_view s) { return core::value_of(kKinds, s); }

std::string_view to_string(OutageMode m) { return core::name_of(kOutageModes, m, "5xx"); }

std::string_view to_string(TlsMode m) { return core::name_of(kTlsModes, m, "expired"); }

std::optional<core::TimePoint> Fault::until() const {
    if (lasts.count() <= 0) return std::nullopt;
    return since + lasts;
}

core::Result<Fault> parse_fault_json(std::string_view body) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
        return core::fail(core::Errc::parse, "body is not valid JSON");
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
        return core::fail(core::Errc::parse, "body must be a JSON object");
    }
    std::string_view kind_name;
    if (obj["kind"].get_string().get(kind_name) != simdjson::SUCCESS) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("\"kind\" (string) is required; one of {}", known_kinds()));
    }
    auto kind = parse_fault_kind(kind_name);
    if (!kind) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("unknown kind \"{}\"; known: {}", kind_name, known_kinds()));
    }
    Fault f;
    f.kind = *kind;
    // Keys each kind accepts besides "kind" and "for".
    std::vector<std::string_view> allowed;
    switch (f.kind) {
        case FaultKind::outage: allowed = {"mode", "status", "hold_ms"}; break;
        case FaultKind::latency: allowed = {"ms"}; break;
        case FaultKind::balance_drain: allowed = {"over"}; break;
        case FaultKind::operator_failure: allowed = {"operator"}; break;
        case FaultKind::country_failure: allowed = {"country"}; break;
        case FaultKind::customer_wallet_dry: allowed = {"customer"}; break;
        case FaultKind::traffic_drop: allowed = {"factor"}; break;
        case FaultKind::traffic_shift: allowed = {"to", "factor"}; break;
        case FaultKind::rate_limit: allowed = {"limit"}; break;
        case FaultKind::tls_error: allowed = {"mode"}; break;
        case FaultKind::token_failure:
        case FaultKind::catalogue_change: break;
    }
    for (auto field : obj) {
        const std::string_view key = field.key;
        if (key == "kind" || key == "for") continue;
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return core::fail(core::Errc::invalid_argument,
                              fmt::format("unknown key \"{}\" for kind {}", key, kind_name));
        }
    }
    auto get_string = [&](std::string_view key, std::string& out, bool required) -> core::Result<void> {
        std::string_view v;
        auto err = obj[key].get_string().get(v);
        if (err == simdjson::NO_SUCH_FIELD && !required) return {};
        if (err != simdjson::SUCCESS || v.empty()) {
            return core::fail(core::Errc::invalid_argument,
                              fmt::format("\"{}\" (non-empty string) is required for {}", key, kind_name));
        }
        out = std::string{v};
        return {};
    };
    auto get_number = [&](std::string_view key, double& out, bool required) -> core::Result<void> {
        double v = 0;
        auto err = obj[key].get_double().get(v);
        if (err == simdjson::NO_SUCH_FIELD && !required) return {};
        if (err != simdjson::SUCCESS) {
            return core::fail(core::Errc::invalid_argument,
                              fmt::format("\"{}\" (number) is required for {}", key, kind_name));
        }
        out = v;
        return {};
    };
    auto get_duration = [&](std::string_view key, core::Duration& out) -> core::Result<void> {
        std::string_view v;
        auto err = obj[key].get_string().get(v);
        if (err == simdjson::NO_SUCH_FIELD) return {};
        if (err != simdjson::SUCCESS) {
            return core::fail(core::Errc::invalid_argument,
                              fmt::format("\"{}\" must be a duration string like \"10m\"", key));
        }
        auto d = core::parse_duration(v);
        if (!d) return core::fail(core::Errc::invalid_argument, fmt::format("\"{}\": {}", key, d.error().message));
        out = *d;
        return {};
    };
    // "mode": one of `table`'s names; `out` keeps its value when the key is absent.
    auto get_mode = [&](const auto& table, auto& out, std::string_view must) -> core::Result<void> {
        std::string mode{core::name_of(table, out, "")};
        if (auto got = get_string("mode", mode, false); !got) return got;
        const auto value = core::value_of(table, mode);
        if (!value) return core::fail(core::Errc::invalid_argument, std::string(must));
        out = *value;
        return {};
    };

    core::Result<void> r;
    if (r = get_duration("for", f.lasts); !r) return std::unexpected(r.error());
    switch (f.kind) {
        case FaultKind::outage: {
            r = get_mode(kOutageModes, f.mode, "\"mode\" must be 5xx, timeout or reset");
            if (!r) return std::unexpected(r.error());
            double status = 503;
            if (r = get_number("status", status, false); !r) return std::unexpected(r.error());
            if (status < 500 || status > 599) return core::fail(core::Errc::invalid_argument, "\"status\" must be 500..599");
            f.status = static_cast<int>(status);
            double hold = 120'000;
            if (r = get_number("hold_ms", hold, false); !r) return std::unexpected(r.error());
            if (hold < 0) return core::fail(core::Errc::invalid_argument, "\"hold_ms\" must be >= 0");
            if (f.mode == OutageMode::timeout) f.ms = std::chrono::milliseconds{static_cast<std::int64_t>(hold)};
            break;
        }
        case FaultKind::latency: {
            double ms = 0;
            if (r = get_number("ms", ms, true); !r) return std::unexpected(r.error());
            if (ms < 0 || ms > 3'600'000) return core::fail(core::Errc::invalid_argument, "\"ms\" must be 0..3600000");
            f.ms = std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
            break;
        }
        case FaultKind::balance_drain:
            if (r = get_duration("over", f.over); !r) return std::unexpected(r.error());
            break;
        case FaultKind::operator_failure:
            if (r = get_string("operator", f.target, true); !r) return std::unexpected(r.error());
            break;
        case FaultKind::country_failure:
            if (r = get_string("country", f.target, true); !r) return std::unexpected(r.error());
            break;
        case FaultKind::customer_wallet_dry:
            if (r = get_string("customer", f.target, true); !r) return std::unexpected(r.error());
            break;
        case FaultKind::traffic_drop:
            f.factor = 0.1;
            if (r = get_number("factor", f.factor, false); !r) return std::unexpected(r.error());
            if (f.factor < 0 || f.factor > 1) return core::fail(core::Errc::invalid_argument, "\"factor\" must be 0..1");
            break;
        case FaultKind::traffic_shift:
            if (r = get_string("to", f.target, true); !r) return std::unexpected(r.error());
            if (r = get_number("factor", f.factor, false); !r) return std::unexpected(r.error());
            if (f.factor < 0 || f.factor > 1) return core::fail(core::Errc::invalid_argument, "\"factor\" must be 0..1");
            break;
        case FaultKind::rate_limit: {
            double limit = 0;
            if (r = get_number("limit", limit, true); !r) return std::unexpected(r.error());
            if (limit < 0) return core::fail(core::Errc::invalid_argument, "\"limit\" must be >= 0");
            f.limit = static_cast<int>(limit);
            break;
        }
        case FaultKind::tls_error:
            r = get_mode(kTlsModes, f.tls,
                         "\"mode\" must be expired, self_signed, wrong_host or handshake");
            if (!r) return std::unexpected(r.error());
            break;
        case FaultKind::token_failure:
        case FaultKind::catalogue_change: break;
    }
    return f;
}

void write_fault(core::JsonWriter& w, const Fault& f) {
    w.begin_object().field("kind", to_string(f.kind));
    switch (f.kind) {
        case FaultKind::outage:
            w.field("mode", to_string(f.mode));
            if (f.mode == OutageMode::http_5xx) w.field("status", f.status);
            if (f.mode == OutageMode::timeout) w.field("hold_ms", static_cast<std::int64_t>(f.ms.count()));
            break;
        case FaultKind::latency: w.field("ms", static_cast<std::int64_t>(f.ms.count())); break;
        case FaultKind::balance_drain:
            if (f.over.count() > 0) w.field("over", core::format_duration(f.over));
            break;
        case FaultKind::operator_failure: w.field("operator", f.target); break;
        case FaultKind::country_failure: w.field("country", f.target); break;
        case FaultKind::customer_wallet_dry: w.field("customer", f.target); break;
        case FaultKind::traffic_drop: w.field("factor", f.factor); break;
        case FaultKind::traffic_shift: w.field("to", f.target).field("factor", f.factor); break;
        case FaultKind::rate_limit: w.field("limit", f.limit); break;
        case FaultKind::tls_error: w.field("mode", to_string(f.tls)); break;
        case FaultKind::token_failure:
        case FaultKind::catalogue_change: break;
    }
    if (f.lasts.count() > 0) w.field("for", core::format_duration(f.lasts));
    w.field("since", core::format_rfc3339(f.since));
    w.end_object();
}

std::vector<Fault> FaultSet::expire(core::TimePoint now) {
    std::vector<Fault> gone;
    std::erase_if(faults_, [&](const Fault& f) {
        auto until = f.until();
        if (until && *until <= now) {
            gone.push_back(f);
            return true;
        }
        return false;
    });
    return gone;
}

void FaultSet::remove(FaultKind kind) {
    std::erase_if(faults_, [&](const Fault& f) { return f.kind == kind; });
}

const Fault* FaultSet::find(FaultKind kind) const {
    for (const auto& f : faults_) {
        if (f.kind == kind) return &f;
    }
    return nullptr;
}

bool FaultSet::targets(FaultKind kind, std::string_view target) const {
    return std::any_of(faults_.begin(), faults_.end(), [&](const Fault& f) {
        return f.kind == kind && core::ascii_iequals(f.target, target);
    });
}

std::chrono::milliseconds FaultSet::extra_latency() const {
    std::chrono::milliseconds total{0};
    for (const auto& f : faults_) {
        if (f.kind == FaultKind::latency) total += f.ms;
    }
    return total;
}

}  // namespace noctua::sim
