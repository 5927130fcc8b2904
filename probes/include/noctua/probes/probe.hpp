#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "noctua/config/config.hpp"
#include "noctua/config/kind_registry.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/result.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/probes/check.hpp"

namespace noctua::probes {

/// A named number taken from a response (`extract`), e.g. {"balance", 5000.23}.
struct ExtractedValue {
    std::string name;
    double value = 0;
    friend bool operator==(const ExtractedValue&, const ExtractedValue&) = default;
};

/// One step of a scenario run.
struct StepResult {
    std::string name;
    bool success = false;
    bool skipped = false;  ///< not run because an earlier step failed
    std::string failure_reason;
    std::string message;
    int http_status = 0;
    int attempts = 0;
    std::chrono::microseconds duration{};
};

/// The outcome of one probe run. A failed target is data, not an error (docs/contributing.md,
/// "Principles").
struct ProbeResult {
    std::string probe;
    std::string provider;
    core::TimePoint started{};
    /// Wall time of the run at microsecond resolution (a local exchange takes well under 1 ms).
    std::chrono::microseconds duration{};
    bool success = false;
    /// Bounded (a metric label, see kFailureReasons): "" on success.
    std::string failure_reason;
    std::string message;  ///< human detail: "status 503, expected 200-299"
    int http_status = 0;
    /// Cumulative times from the start (libcurl's model); phases() turns them into phases.
    core::HttpTimings timings;
    std::vector<ExtractedValue> values;  ///< `extract`, in config order
    core::Labels value_labels;           ///< `extract_labels` (allow-listed values or "other")
    std::optional<core::TlsCertificate> certificate;  ///< http over TLS and tls probes
    std::vector<StepResult> steps;                    ///< scenario probes

    /// The result of probe `c`, begun at `started` and run for `duration`; the kind fills in
    /// the rest.
    [[nodiscard]] static ProbeResult of(const config::ProbeConfig& c, core::TimePoint started,
                                        std::chrono::microseconds duration) {
        ProbeResult r;
        r.probe = c.id;
        r.provider = c.provider;
        r.started = started;
        r.duration = duration;
        return r;
    }
};

/// Every failure_reason a probe can give; the set is closed so it can be a metric label.
inline constexpr std::string_view kFailureReasons[] = {
    "assertion", "auth",    "body_too_large", "cancelled", "connect", "dns",
    "extraction", "heartbeat", "other",       "receive",   "redirect", "send",
    "status",    "timeout", "tls"};

/// Durations of the phases of an exchange, in seconds: dns, connect, tls, first_byte
/// (request sent until the first response byte), transfer (the rest). Phases that did not
/// happen (a reused connection, plain HTTP) are 0.
struct Phases {
    double dns = 0, connect = 0, tls = 0, first_byte = 0, transfer = 0;
};
[[nodiscard]] Phases phases(const core::HttpTimings& t);

/// The samples detectors get from a result's extracted values: labels {probe, provider,
/// name} plus value_labels, at `started`.
[[nodiscard]] std::vector<core::Sample> value_samples(const ProbeResult& r);

class Authenticator;
class HeartbeatBoard;

/// What a probe may use, and nothing else (docs/architecture.md, "Kinds and registries"). The
/// pointers are optional: kinds that need one refuse to be created without it.
struct ProbeContext {
    core::HttpClient& http;
    const core::Clock& clock;
    /// For kinds with their own sockets (tcp, tls, dns) and scenario poll timers.
    boost::asio::any_io_executor executor{};
    Authenticator* auth = nullptr;        ///< provider credentials, OAuth2 token cache
    HeartbeatBoard* heartbeats = nullptr;  ///< heartbeat kind
};

/// One configured probe: each run gives a ProbeResult. Runs of one probe never overlap (the
/// Scheduler guarantees it).
using Probe = Check<config::ProbeConfig, ProbeResult>;

/// One probe kind (config::KindFactory): parse() reads its own keys of a `[[probes]]` entry
/// (config::ProbeParser) into the options struct declared beside the kind
/// (noctua/probes/kinds/<kind>.hpp), resolving paths against the provider's base_url; create()
/// makes probes from their validated config. The probe keeps the config it is given (moved in:
/// with thousands of probes, a second copy per probe is megabytes).
using ProbeFactory =
    config::KindFactory<config::ProbeParser, Probe, config::ProbeConfig, ProbeContext&>;

/// Probe kinds by name (config::KindRegistry): filled at start-up by register_builtin_probes(),
/// then frozen and read-only.
using ProbeRegistry =
    config::KindRegistry<ProbeFactory, config::kProbeKinds, &config::KindParsers::add_probe>;

/// Registers the built-in kinds: dns, heartbeat, http, scenario, tcp, tls.
void register_builtin_probes(ProbeRegistry& registry);

/// Whether probe `c` (of a built-in kind) skips verifying TLS certificates (`tls_insecure`).
[[nodiscard]] bool tls_insecure(const config::ProbeConfig& c);

}  // namespace noctua::probes
