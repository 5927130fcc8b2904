// The daemon against noctua-sim's fleet, in-process on loopback: probes of a simulated provider
// page when the simulator breaks it; the simulator's transaction stream is ingested.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/generator.hpp"
#include "noctua/sim/runner.hpp"
#include "noctua/sim/server.hpp"
#include "noctua/sim/service.hpp"
#include "harness.hpp"
#include "noctua/testing/running_sim.hpp"

using namespace noctua;
using testing::http_call;

namespace {

/// config/examples/fleet.toml, loaded once.
const sim::FleetSpec& example_fleet() {
    static const sim::FleetSpec fleet = [] {
        auto f = sim::load_fleet(std::string(NOCTUA_SOURCE_DIR) + "/config/examples/fleet.toml");
        if (!f) throw std::runtime_error("fleet.toml: " + f.error().message);
        return *f;
    }();
    return fleet;
}

/// The example fleet served on 127.0.0.1:0, on the system clock.
struct SimFleet : testing::BasicRunningSim<core::SystemClock> {
    SimFleet() : BasicRunningSim(example_fleet()) {}
};

std::string daemon_config(const SimFleet& sim, testing::WebhookRecorder& rx) {
    namespace toml = testing::toml;
    return toml::server() + toml::provider("acme", sim.url("/acme")) +
           toml::probe("acme-balance", "acme", "/accounts/balance",
                       "headers = { Authorization = \"Bearer demo-token\", "
                       "Accept = \"application/com.reloadly.topups-v1+json\" }\n") +
           toml::provider_down() + toml::push_stream("tx", "NOCTUA_TEST_INGEST_TOKEN") +
           rx.route_toml();
}

/// The example fleet, and a daemon probing it and taking its stream (token "ingest-secret").
struct Running {
    SimFleet sim;
    testing::WebhookRecorder rx;
    testing::RunningDaemon d{[this] {
        ::setenv("NOCTUA_TEST_INGEST_TOKEN", "ingest-secret", 1);  // read when the config loads
        return testing::load_config(daemon_config(sim, rx), daemon::builtin_kind_parsers());
    }()};
};

}  // namespace

TEST_CASE("sim + daemon: a simulated outage pages once and its recovery resolves it",
          "[integration]") {
    Running running;
    auto& [sim, rx, d] = running;
    REQUIRE(testing::wait_for([&] { return testing::probe_runs(d, "acme-balance") == 1; }));
    // The static token and vendor Accept work.
    CHECK(http_call("GET", d.url("/api/v1/probes/acme-balance")).body.find(R"("http_status":200)") !=
          std::string::npos);

    auto fault = http_call("POST", sim.url("/sim/providers/acme/fault"),
                           R"({"kind":"outage","mode":"5xx"})");
    REQUIRE(fault.status == 200);
    testing::run_probe(d, "acme-balance");
    testing::run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return rx.count() == 1; }));
    CHECK(rx.snapshot().at(0).find(R"("status":"firing")") != std::string::npos);
    CHECK(rx.snapshot().at(0).find("status 503") != std::string::npos);

    REQUIRE(http_call("POST", sim.url("/sim/providers/acme/heal")).status == 200);
    testing::run_probe(d, "acme-balance");
    REQUIRE(testing::wait_for([&] { return rx.count() == 2; }));
    CHECK(rx.snapshot().at(1).find(R"("status":"resolved")") != std::string::npos);
}

TEST_CASE("sim + daemon: the simulator's transaction stream is ingested over HTTP push",
          "[integration]") {
    Running running;
    auto& [sim, rx, d] = running;

    // The generator and the push sink run on the test's own io_context, as in noctua-sim.
    boost::asio::io_context ioc;
    net::CurlHttpClient client{ioc};
    core::SystemClock wall;
    sim::SimService gen_fleet{example_fleet(), wall};
    constexpr std::uint64_t kEvents = 3000;
    sim::Generator generator{gen_fleet, example_fleet().traffic, 42, wall.now() - std::chrono::hours(2)};
    sim::HttpPushSink sink{client, {d.url("/api/v1/events"), "ingest-secret", 500}};
    bool done = false;
    sim::TrafficRunner::Options ro;
    ro.speed = 0;
    ro.max_events = kEvents;
    sim::TrafficRunner runner{ioc, generator, sink, wall, ro, [&] { done = true; }};
    runner.start();
    REQUIRE(testing::run_until(ioc, [&] { return done; }, std::chrono::seconds(60)));
    const auto st = sink.stats();
    CHECK(st.sent_events == kEvents);
    CHECK(st.dropped_events == 0);

    // Every event is accounted for in the daemon's metrics.
    auto total = [&] {
        auto m = http_call("GET", d.url("/metrics")).body;
        double sum = 0;
        for (std::size_t pos = m.find("\nnoctua_transactions_total{"); pos != std::string::npos;
             pos = m.find("\nnoctua_transactions_total{", pos + 1)) {
            auto sp = m.find(' ', m.find('}', pos));
            sum += std::stod(m.substr(sp + 1, m.find('\n', sp) - sp - 1));
        }
        return sum;
    };
    const bool all_counted = testing::wait_for(
        [&] { return total() == static_cast<double>(kEvents); }, std::chrono::seconds(20));
    if (!all_counted) {
        auto m = http_call("GET", d.url("/metrics")).body;
        std::istringstream lines(m);
        for (std::string line; std::getline(lines, line);) {
            if (line.starts_with("noctua_ingest") || line.starts_with("noctua_transactions")) {
                UNSCOPED_INFO(line);
            }
        }
    }
    REQUIRE(all_counted);
    auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metrics.find(R"(noctua_transactions_total{provider="acme",status="success"})") !=
          std::string::npos);
}
