// The `http` probe kind: one request, judged by transport outcome and expected status.
#include <fmt/format.h>

#include "noctua/probes/probe.hpp"

namespace noctua::probes {
namespace {

std::string describe_expected(const config::ProbeConfig& c) {
    std::string out;
    for (const auto& r : c.expected_status) {
        if (!out.empty()) out += ", ";
        out += r.low == r.high ? std::to_string(r.low) : fmt::format("{}-{}", r.low, r.high);
    }
    return out;
}

class HttpProbe final : public Probe {
public:
    HttpProbe(config::ProbeConfig c, ProbeContext& ctx)
        : config_(std::move(c)), http_(ctx.http), clock_(ctx.clock) {}

    // Probe
    const config::ProbeConfig& config() const override { return config_; }

    void async_run(Done done) override {
        core::HttpRequest req;
        req.method = config_.method;
        req.url = config_.url;
        req.headers = config_.headers;
        req.body = config_.body;
        req.timeout = config_.timeout;
        req.max_response_bytes = config_.max_response_bytes;
        req.follow_redirects = config_.follow_redirects;
        req.verify_tls = !config_.tls_insecure;
        const auto started = clock_.now();
        const auto mono_start = std::chrono::steady_clock::now();
        http_.async_request(std::move(req), [this, started, mono_start,
                                             done = std::move(done)](core::HttpResponse r) {
            ProbeResult res;
            res.probe = config_.id;
            res.provider = config_.provider;
            res.started = started;
            res.duration = std::chrono::duration_cast<core::Duration>(
                std::chrono::steady_clock::now() - mono_start);
            res.http_status = r.status;
            res.timings = r.timings;
            if (!r.transport_ok()) {
                res.failure_reason = std::string(core::to_string(r.error));
                res.message = fmt::format("{}: {}", res.failure_reason, r.error_message);
            } else if (!status_expected(config_, r.status)) {
                res.failure_reason = "status";
                res.message =
                    fmt::format("status {}, expected {}", r.status, describe_expected(config_));
            } else {
                res.success = true;
            }
            done(std::move(res));
        });
    }

private:
    config::ProbeConfig config_;
    core::HttpClient& http_;
    const core::Clock& clock_;
};

class HttpProbeFactory final : public ProbeFactory {
public:
    std::string_view kind() const override { return "http"; }
    core::Result<std::unique_ptr<Probe>> create(const config::ProbeConfig& c,
                                                ProbeContext& ctx) const override {
        return std::make_unique<HttpProbe>(c, ctx);
    }
};

}  // namespace

void register_builtin_probes(ProbeRegistry& registry) {
    registry.add(std::make_unique<HttpProbeFactory>());
}

}  // namespace noctua::probes
