// Probes against noctua-sim in-process (the Reloadly-shaped simulator): the shipped example
// config/examples/reloadly-scenario.toml end to end, and OAuth2 refresh on 401 TOKEN_EXPIRED.
#include <catch2/catch.hpp>

#include <fstream>

#include <fmt/format.h>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "noctua/config/config.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/registry_parsers.hpp"
#include "noctua/testing/run_until.hpp"
#include "probe_runner.hpp"
#include "noctua/testing/running_sim.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

using testing::RunningSim;

sim::FleetSpec fleet(core::Duration token_ttl = 24h) {
    sim::FleetSpec f;
    f.seed = 11;
    sim::ProviderSpec acme;
    acme.id = "acme";
    acme.countries = {"ES"};
    acme.currency = "EUR";
    acme.balance = 5000;
    acme.token_ttl = token_ttl;
    sim::complete_defaults(acme);
    f.providers.push_back(acme);
    return f;
}

/// The simulator's clock starts at a fixed time; tokens expire against it.
struct Fixture : testing::ProbeRunner<core::ManualClock> {
    Fixture() { clock.set(core::TimePoint{1'714'557'600'000ms}); }
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("sim: the shipped reloadly-scenario example passes end to end", "[probes][integration]") {
    RunningSim sim(fleet());
    // The example, pointed at this simulator instead of 127.0.0.1:18080.
    std::string text = read_text(NOCTUA_SOURCE_DIR "/config/examples/reloadly-scenario.toml");
    REQUIRE_FALSE(text.empty());
    for (auto at = text.find("127.0.0.1:18080"); at != std::string::npos; at = text.find("127.0.0.1:18080")) {
        text.replace(at, 15, sim.host());
    }
    const auto cfg = noctua::testing::load_config(text, noctua::testing::probe_kind_parsers());
    Fixture f;

    auto balance = f.run(cfg.probes[0]);
    INFO(balance.message);
    REQUIRE(balance.success);
    REQUIRE(balance.values.size() == 1);
    CHECK(balance.values[0].name == "balance");
    CHECK(balance.values[0].value == 5000);
    CHECK(balance.value_labels.get("currency") == "EUR");

    // The async top-up stays PROCESSING for 2–8 s of the simulator's time: each io step moves
    // that clock on, so the polls see it complete.
    auto e2e = f.run(cfg.probes[1], [&] { sim.clock.advance(200ms); });
    INFO(e2e.message);
    CHECK(e2e.success);
    REQUIRE(e2e.steps.size() == 4);
    CHECK(e2e.steps[3].name == "status");
    CHECK(e2e.steps[3].attempts >= 1);
    CHECK(f.auth.token_requests() == 1);  // one token for both probes
}

TEST_CASE("sim: an expired OAuth2 token is refreshed once on 401 TOKEN_EXPIRED", "[probes][integration]") {
    RunningSim sim(fleet(60s));
    auto cfg = config::load_string(fmt::format(R"(
[[providers]]
id = "acme"
base_url = "http://{0}/acme"
auth = {{ type = "oauth2_client_credentials", token_url = "http://{0}/acme/oauth/token", client_id = "acme-client", client_secret = "acme-secret", audience = "https://topups-sandbox.reloadly.com", refresh_before = "0s" }}
[[probes]]
id = "b"
provider = "acme"
path = "/accounts/balance"
headers = {{ Accept = "application/com.reloadly.topups-v1+json" }}
expect = ["status == 200"]
)",
                                               sim.host()),
                                   "t.toml", noctua::testing::probe_kind_parsers());
    REQUIRE(cfg.has_value());
    Fixture f;
    REQUIRE(f.run(cfg->probes[0]).success);
    CHECK(f.auth.token_requests() == 1);
    // The simulator's token expires; our clock has not moved, so only the 401 reveals it.
    sim.clock.advance(61s);
    auto r = f.run(cfg->probes[0]);
    INFO(r.message);
    CHECK(r.success);
    CHECK(f.auth.token_requests() == 2);

    // A token endpoint that fails is its own reason.
    sim.clock.advance(61s);
    auto fault = testing::http_call("POST", "http://" + sim.host() + "/sim/providers/acme/fault",
                                    R"({"kind":"token_failure"})");
    REQUIRE(fault.status == 200);
    r = f.run(cfg->probes[0]);
    CHECK(r.failure_reason == "auth");
    CHECK(r.message == "auth: token request answered 503 Service Unavailable");
}
