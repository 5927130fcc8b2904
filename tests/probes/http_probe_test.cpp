#include <catch2/catch.hpp>

#include <optional>

#include "noctua/probes/probe.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/run_until.hpp"

#include "noctua/probes/kinds/http.hpp"
#include "probe_runner.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

config::ProbeConfig probe_config() {
    config::ProbeConfig c;
    c.id = "acme-balance";
    c.provider = "acme";
    c.timeout = 2s;
    c.jitter = 0ms;
    return testing::with_options<probes::HttpOptions>(c, [](probes::HttpOptions& o) {
        o.url = "http://127.0.0.1:1/acme/accounts/balance";
        o.headers = {{"Authorization", "Bearer t"}};
    });
}

struct Fixture {
    boost::asio::io_context ioc;
    testing::FakeHttpClient http{ioc};
    core::ManualClock clock{core::TimePoint{1000s}};
    probes::ProbeContext ctx{http, clock};
    probes::ProbeRegistry registry;
    Fixture() { probes::register_builtin_probes(registry); }

    probes::ProbeResult run(const config::ProbeConfig& c) {
        return testing::create_and_run(ioc, registry, ctx, c);
    }
};

}  // namespace

TEST_CASE("http probe: expected status passes and the request is built from config",
          "[probes][unit]") {
    Fixture f;
    f.http.push_status(200);
    auto r = f.run(probe_config());
    CHECK(r.success);
    CHECK(r.failure_reason.empty());
    CHECK(r.probe == "acme-balance");
    CHECK(r.provider == "acme");
    CHECK(r.http_status == 200);
    CHECK(r.started == core::TimePoint{1000s});
    auto reqs = f.http.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].method == "GET");
    CHECK(reqs[0].url == "http://127.0.0.1:1/acme/accounts/balance");
    CHECK(reqs[0].timeout == 2s);
    CHECK(reqs[0].verify_tls);
    CHECK(core::find_header(reqs[0].headers, "authorization") == "Bearer t");
}

TEST_CASE("http probe: unexpected status fails with reason status", "[probes][unit]") {
    Fixture f;
    f.http.push_status(503);
    auto r = f.run(probe_config());
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "status");
    CHECK(r.message == "status 503, expected 200-299");
}

TEST_CASE("http probe: expected status lists and ranges", "[probes][unit]") {
    Fixture f;
    auto c = testing::with_options<probes::HttpOptions>(probe_config(), [](probes::HttpOptions& o) {
        o.expected_status = {{204, 204}, {300, 399}};
    });
    f.http.push_status(204);
    CHECK(f.run(c).success);
    f.http.push_status(302);
    CHECK(f.run(c).success);
    f.http.push_status(200);
    auto r = f.run(c);
    CHECK_FALSE(r.success);
    CHECK(r.message == "status 200, expected 204, 300-399");
}

TEST_CASE("http probe: transport errors become bounded reasons", "[probes][unit]") {
    Fixture f;
    f.http.push_error(core::TransportError::connect, "Connection refused");
    auto r = f.run(probe_config());
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "connect");
    CHECK(r.message == "connect: Connection refused");
    f.http.push_error(core::TransportError::timeout);
    CHECK(f.run(probe_config()).failure_reason == "timeout");
    f.http.push_error(core::TransportError::too_large);
    CHECK(f.run(probe_config()).failure_reason == "body_too_large");
}

TEST_CASE("ProbeRegistry: unknown kind lists the known ones", "[probes][unit]") {
    Fixture f;
    auto c = probe_config();
    c.kind = "smoke-signal";
    auto p = f.registry.create(c, f.ctx);
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().message == "unknown probe kind \"smoke-signal\" (known: dns, heartbeat, http, scenario, tcp, tls)");
}
