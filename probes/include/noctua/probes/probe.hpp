#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/result.hpp"

namespace noctua::probes {

/// The outcome of one probe run. A failed target is data, not an error (STYLE.md §1).
struct ProbeResult {
    std::string probe;
    std::string provider;
    core::TimePoint started{};
    core::Duration duration{};
    bool success = false;
    /// Bounded (a metric label): "" on success, else dns, connect, tls, timeout, status,
    /// body_too_large, redirect, send, receive, cancelled, other.
    std::string failure_reason;
    std::string message;  ///< human detail: "status 503, expected 200-299"
    int http_status = 0;
    core::HttpTimings timings;
};

/// What a probe may use, and nothing else (STYLE.md §4).
struct ProbeContext {
    core::HttpClient& http;
    const core::Clock& clock;
};

/// One configured check. async_run() starts a run; `done` is called exactly once, on an
/// io_context thread. Runs of one probe never overlap (the Scheduler guarantees it).
class Probe {
public:
    using Done = std::function<void(ProbeResult)>;
    virtual ~Probe() = default;
    [[nodiscard]] virtual const config::ProbeConfig& config() const = 0;
    virtual void async_run(Done done) = 0;
};

/// Creates probes of one kind from their validated config.
class ProbeFactory {
public:
    virtual ~ProbeFactory() = default;
    [[nodiscard]] virtual std::string_view kind() const = 0;
    [[nodiscard]] virtual core::Result<std::unique_ptr<Probe>> create(
        const config::ProbeConfig& config, ProbeContext& context) const = 0;
};

/// Probe kinds by name, filled at start-up by register_builtin_probes(), then read-only.
class ProbeRegistry {
public:
    /// Registering a kind twice is a programming error (aborts).
    void add(std::unique_ptr<ProbeFactory> factory);
    [[nodiscard]] const ProbeFactory* find(std::string_view kind) const;
    [[nodiscard]] std::vector<std::string> kinds() const;  ///< sorted
    /// Creates a probe, or an error naming the known kinds.
    [[nodiscard]] core::Result<std::unique_ptr<Probe>> create(const config::ProbeConfig& config,
                                                              ProbeContext& context) const;

private:
    std::map<std::string, std::unique_ptr<ProbeFactory>, std::less<>> factories_;
};

/// Registers the built-in kinds (`http`).
void register_builtin_probes(ProbeRegistry& registry);

/// Checks an HTTP status against the probe's expected ranges.
[[nodiscard]] bool status_expected(const config::ProbeConfig& config, int status);

}  // namespace noctua::probes
