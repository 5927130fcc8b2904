#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/result.hpp"

namespace noctua::sim {

/// What can go wrong with a provider. Each kind affects the provider API, the generated
/// transaction stream, or both (docs/simulator.md has the table).
enum class FaultKind {
    outage,               ///< API answers 5xx / hangs / resets; transactions fail or time out
    latency,              ///< every response and transaction is slower by `ms`
    balance_drain,        ///< the balance falls to zero (at once, or linearly `over` a duration)
    token_failure,        ///< POST /oauth/token answers 503; transactions fail INVALID_TOKEN
    operator_failure,     ///< one operator: OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE
    country_failure,      ///< every operator of one country fails likewise
    customer_wallet_dry,  ///< one customer's transactions fail INSUFFICIENT_BALANCE
    traffic_drop,         ///< the provider's traffic is multiplied by `factor`
    traffic_shift,        ///< the provider's traffic (times `factor`, default 1) moves to `to`
    catalogue_change,     ///< an operator disappears, one is renamed, one changes its range
    rate_limit,           ///< the API allows only `limit` requests per minute (429 beyond)
    tls_error,            ///< on the TLS port (SNI <id>.localhost): expired, self-signed or
                          ///< wrong-host certificate, or a failed handshake
};
[[nodiscard]] std::string_view to_string(FaultKind k);
[[nodiscard]] std::optional<FaultKind> parse_fault_kind(std::string_view s);

enum class OutageMode { http_5xx, timeout, reset };
[[nodiscard]] std::string_view to_string(OutageMode m);

enum class TlsMode { expired, self_signed, wrong_host, handshake };
[[nodiscard]] std::string_view to_string(TlsMode m);

/// One active fault. A value type.
struct Fault {
    FaultKind kind = FaultKind::outage;
    OutageMode mode = OutageMode::http_5xx;  ///< outage only
    TlsMode tls = TlsMode::expired;           ///< tls_error only
    int status = 503;                         ///< outage 5xx: the status answered
    std::chrono::milliseconds ms{0};          ///< latency: added delay; outage timeout: hold time
    std::string target;  ///< operator (name or id), country ISO, customer, or traffic_shift "to"
    double factor = 1.0;                      ///< traffic_drop / traffic_shift fraction
    int limit = 0;                            ///< rate_limit: requests per minute
    core::Duration over{0};                   ///< balance_drain: time to reach zero (0 = at once)
    core::Duration lasts{0};                  ///< 0 = until healed; else cleared automatically
    core::TimePoint since{};                  ///< when it was injected
    [[nodiscard]] std::optional<core::TimePoint> until() const;
};

/// Parses the control API body, e.g. {"kind":"outage","mode":"5xx"}, {"kind":"latency","ms":800},
/// {"kind":"operator_failure","operator":"Movistar Spain"}, {"kind":"traffic_shift","to":"b"},
/// {"kind":"balance_drain","over":"10m"}; every kind also accepts "for":"15m". Unknown keys
/// and kinds are errors naming what is wrong.
[[nodiscard]] core::Result<Fault> parse_fault_json(std::string_view body);

/// Writes the fault as a JSON object (the shape parse_fault_json accepts, plus "since").
void write_fault(core::JsonWriter& w, const Fault& f);

/// The set of faults active on one provider. Not thread-safe; owned by its ProviderSim.
class FaultSet {
public:
    void add(Fault f) { faults_.push_back(std::move(f)); }
    void clear() { faults_.clear(); }
    /// Drops faults whose `lasts` has run out at `now`; returns the dropped ones.
    std::vector<Fault> expire(core::TimePoint now);
    /// Removes every fault of `kind`.
    void remove(FaultKind kind);

    [[nodiscard]] const Fault* find(FaultKind kind) const;
    [[nodiscard]] bool has(FaultKind kind) const { return find(kind) != nullptr; }
    /// True when a fault of `kind` targets `target` (case-insensitive).
    [[nodiscard]] bool targets(FaultKind kind, std::string_view target) const;
    /// Sum of latency faults.
    [[nodiscard]] std::chrono::milliseconds extra_latency() const;
    [[nodiscard]] const std::vector<Fault>& all() const { return faults_; }
    [[nodiscard]] bool empty() const { return faults_.empty(); }

private:
    std::vector<Fault> faults_;
};

}  // namespace noctua::sim
