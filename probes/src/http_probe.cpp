// The `http` probe kind: one (authenticated) request, judged by transport outcome, expected
// status, `expect` assertions, then `extract`.
#include <fmt/format.h>

#include "exchange.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes {
namespace {

class HttpProbe final : public Probe {
public:
    HttpProbe(config::ProbeConfig c, ProbeContext& ctx, detail::Checks checks)
        : config_(std::move(c)), ctx_(ctx), checks_(std::move(checks)) {}

    // Probe
    const config::ProbeConfig& config() const override { return config_; }

    void async_run(Done done) override {
        core::HttpRequest req = detail::base_request(config_);
        req.method = config_.method;
        req.url = config_.url;
        req.headers = config_.headers;
        req.body = config_.body;
        const auto started = ctx_.clock.now();
        const auto mono_start = std::chrono::steady_clock::now();
        detail::async_exchange(
            ctx_, config_, std::move(req), true,
            [this, started, mono_start, done = std::move(done)](detail::Exchanged x) {
                ProbeResult res;
                res.probe = config_.id;
                res.provider = config_.provider;
                res.started = started;
                res.duration = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - mono_start);
                detail::judge(x, config_, checks_, ctx_.clock.now(), res);
                done(std::move(res));
            });
    }

private:
    config::ProbeConfig config_;
    ProbeContext ctx_;
    detail::Checks checks_;
};

class HttpProbeFactory final : public ProbeFactory {
public:
    std::string_view kind() const override { return "http"; }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c, ProbeContext& ctx) const override {
        auto checks = detail::Checks::compile(c.expect, c.extract, c.extract_labels);
        if (!checks) return std::unexpected(checks.error());
        return std::make_unique<HttpProbe>(std::move(c), ctx, std::move(*checks));
    }
};

}  // namespace

std::unique_ptr<ProbeFactory> make_http_factory() { return std::make_unique<HttpProbeFactory>(); }

}  // namespace noctua::probes
