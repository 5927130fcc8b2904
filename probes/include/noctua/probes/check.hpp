#pragma once

#include <functional>

namespace noctua::probes {

/// One configured check that runs on request: a probe (Probe) or a status-test suite (Suite).
/// async_run() starts a run; `done` is called exactly once, on an io_context thread, with the
/// run's `Result`. Runs of one check must not overlap (the Scheduler guarantees it for probes).
template <class Config, class Result>
class Check {
public:
    using Done = std::function<void(Result)>;
    virtual ~Check() = default;
    /// The validated configuration the check was created from.
    [[nodiscard]] virtual const Config& config() const = 0;
    /// Starts one run.
    virtual void async_run(Done done) = 0;
};

}  // namespace noctua::probes
