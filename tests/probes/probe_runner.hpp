#pragma once

// Runs probes for real over loopback: libcurl, the provider Authenticator and the built-in
// probe registry on a test-driven io_context.

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "noctua/core/clock.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/testing/run_until.hpp"

namespace noctua::testing {

/// Probe `id` of `kind` on provider "acme" with `options` (its kind's options struct), the
/// schedule left at its defaults.
template <class Options>
[[nodiscard]] config::ProbeConfig acme_probe_config(std::string id, std::string kind,
                                                    Options options) {
    config::ProbeConfig c;
    c.id = std::move(id);
    c.provider = "acme";
    c.kind = std::move(kind);
    c.options = config::KindOptions::of(std::move(options));
    return c;
}

/// `c` with its kind's options, a T, changed by `change` (options once set are shared and
/// immutable, so the change goes to a copy).
template <class T, class Change>
[[nodiscard]] config::ProbeConfig with_options(config::ProbeConfig c, Change change) {
    T options = c.options.get<T>();
    change(options);
    c.options = config::KindOptions::of(std::move(options));
    return c;
}

/// Runs probe `p` once on `ioc` and returns its result; `tick` runs between io steps (e.g. to
/// move a simulator's clock).
inline probes::ProbeResult run_once(boost::asio::io_context& ioc, probes::Probe& p,
                                    const std::function<void()>& tick = {}) {
    std::optional<probes::ProbeResult> result;
    p.async_run([&](probes::ProbeResult r) { result = std::move(r); });
    REQUIRE(run_until(
        ioc,
        [&] {
            if (tick) tick();
            return result.has_value();
        },
        std::chrono::seconds(30)));
    return *result;
}

/// Creates probe `c` from `registry` and runs it once (run_once()).
inline probes::ProbeResult create_and_run(boost::asio::io_context& ioc,
                                          const probes::ProbeRegistry& registry,
                                          probes::ProbeContext& ctx, const config::ProbeConfig& c,
                                          const std::function<void()>& tick = {}) {
    auto p = registry.create(c, ctx);
    REQUIRE(p.has_value());
    return run_once(ioc, **p, tick);
}

template <class ClockT = core::SystemClock>
struct ProbeRunner {
    boost::asio::io_context ioc;
    net::CurlHttpClient http{ioc};
    ClockT clock;
    probes::Authenticator auth{http, clock};
    probes::ProbeContext ctx{http, clock, ioc.get_executor(), &auth, nullptr};
    probes::ProbeRegistry registry;

    ProbeRunner() { probes::register_builtin_probes(registry); }
    ~ProbeRunner() {
        http.stop();
        ioc.poll();
    }
    ProbeRunner(const ProbeRunner&) = delete;
    ProbeRunner& operator=(const ProbeRunner&) = delete;

    /// Runs `c` once; `tick` runs between io steps (e.g. to move a simulator's clock).
    probes::ProbeResult run(const config::ProbeConfig& c, const std::function<void()>& tick = {}) {
        return create_and_run(ioc, registry, ctx, c, tick);
    }
};

}  // namespace noctua::testing
