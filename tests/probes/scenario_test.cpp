// Scenario probes against a Reloadly-shaped Beast fake (authenticate → balance → operators →
// top-up → poll status → clean-up), and heartbeats.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <prometheus/registry.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "noctua/config/config.hpp"
#include "noctua/core/log.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/heartbeat.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/probes/scheduler.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/cases.hpp"
#include "probe_runner.hpp"
#include "noctua/probes/kinds/heartbeat.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

/// Just enough of a Reloadly-style provider API (docs/simulator.md) to drive a scenario.
struct FakeReloadly {
    std::atomic<int> status_polls{0};
    std::atomic<int> cleanups{0};
    std::atomic<int> balance_calls{0};
    std::atomic<bool> topup_fails{false};
    std::mutex mu;
    std::string last_topup_body;   // guarded by mu
    std::string last_cleanup_path; // guarded by mu
    testing::LoopbackHttpServer server;

    static bool authorized(const core::ServerRequest& r) {
        return core::find_header(r.headers, "Authorization") == "Bearer tok-1";
    }
    static core::ServerResponse denied() {
        return core::ServerResponse::json(401, R"({"message":"Full authentication is required","errorCode":"INVALID_TOKEN"})");
    }

    FakeReloadly() {
        auto& r = server.router;
        r.add("POST", "/oauth/token", [](const core::ServerRequest& req, const net::PathParams&) {
            if (req.body.find("\"audience\":\"https://topups-sandbox.reloadly.com\"") == std::string::npos) {
                return core::ServerResponse::json(401, R"({"errorCode":"INVALID_AUDIENCE"})");
            }
            return core::ServerResponse::json(200, R"({"access_token":"tok-1","expires_in":5184000,"token_type":"Bearer"})");
        });
        r.add("GET", "/accounts/balance", [this](const core::ServerRequest& req, const net::PathParams&) {
            ++balance_calls;
            if (!authorized(req)) return denied();
            return core::ServerResponse::json(200, R"({"balance":5000.23,"currencyCode":"USD"})");
        });
        r.add("GET", "/operators/countries/{iso}", [](const core::ServerRequest& req, const net::PathParams& p) {
            if (!authorized(req)) return denied();
            return core::ServerResponse::json(200, fmt::format(R"([{{"id":535,"operatorId":535,"name":"Claro {}"}}])", p.at("iso")));
        });
        r.add("POST", "/topups-async", [this](const core::ServerRequest& req, const net::PathParams&) {
            if (!authorized(req)) return denied();
            std::lock_guard lock(mu);
            last_topup_body = req.body;
            if (topup_fails) return core::ServerResponse::json(400, R"({"errorCode":"INSUFFICIENT_BALANCE"})");
            return core::ServerResponse::json(200, R"({"transactionId":4602843})");
        });
        r.add("GET", "/topups/{id}/status", [this](const core::ServerRequest& req, const net::PathParams& p) {
            if (!authorized(req) || p.at("id") != "4602843") return denied();
            const bool done = ++status_polls >= 3;
            return core::ServerResponse::json(200, fmt::format(R"({{"code":null,"status":"{}","transaction":{{"transactionId":4602843}}}})",
                                                               done ? "SUCCESSFUL" : "PROCESSING"));
        });
        // A provider answer holding a line break, as a hostile or broken provider might send.
        r.add("GET", "/references/latest", [](const core::ServerRequest&, const net::PathParams&) {
            return core::ServerResponse::json(200, R"({"ref":"r-1\r\nX-Injected: 1"})");
        });
        r.add("DELETE", "/sandbox/topups/{id}", [this](const core::ServerRequest& req, const net::PathParams&) {
            ++cleanups;
            std::lock_guard lock(mu);
            last_cleanup_path = req.path;
            return core::ServerResponse::json(200, "{}");
        });
        server.start();
    }
};

std::string scenario_config(const std::string& base) {
    return fmt::format(R"TOML(
[[providers]]
id = "reloadly"
base_url = "{0}"
auth = {{ type = "oauth2_client_credentials", token_url = "{0}/oauth/token", client_id = "cid", client_secret = "sec", audience = "https://topups-sandbox.reloadly.com" }}

[[probes]]
id = "reloadly-e2e"
provider = "reloadly"
kind = "scenario"
interval = "5m"
timeout = "20s"

[[probes.steps]]
name = "balance"
path = "/accounts/balance"
headers = {{ Accept = "application/com.reloadly.topups-v1+json" }}
expect = ["status == 200", "body.balance >= 1000"]
extract = {{ balance = "body.balance" }}

[[probes.steps]]
name = "operators"
path = "/operators/countries/GB"
expect = ["len(body) > 0"]

[[probes.steps]]
name = "topup"
method = "POST"
path = "/topups-async"
headers = {{ Content-Type = "application/json" }}
body = '{{"operatorId":{{{{ steps.operators.body[0].id }}}},"amount":"5.00","customIdentifier":"noc-{{{{ uuid }}}}","recipientPhone":{{"countryCode":"GB","number":"447951731337"}}}}'
expect = ["exists(body.transactionId)"]

[[probes.steps]]
name = "status"
path = "/topups/{{{{ steps.topup.body.transactionId }}}}/status"
until = "body.status == 'SUCCESSFUL'"
attempts = 5
poll_interval = "10ms"
expect = ["body.status in ['SUCCESSFUL', 'PROCESSING']"]

[[probes.steps]]
name = "cleanup"
method = "DELETE"
path = "/sandbox/topups/{{{{ steps.topup.body.transactionId }}}}"
always_run = true
auth = false
)TOML",
                       base);
}

using Fixture = testing::ProbeRunner<>;

}  // namespace

TEST_CASE("scenario: variables pass between steps, polling ends on SUCCESSFUL, clean-up runs",
          "[probes][integration]") {
    FakeReloadly fake;
    const auto cfg = noctua::testing::load_config(scenario_config(fake.server.url()),
                                                  noctua::testing::probe_kind_parsers());
    Fixture f;
    auto r = f.run(cfg.probes[0]);
    INFO(r.message);
    REQUIRE(r.success);
    REQUIRE(r.steps.size() == 5);
    CHECK(r.steps[0].name == "balance");
    CHECK(r.steps[3].attempts == 3);  // PROCESSING, PROCESSING, SUCCESSFUL
    CHECK(fake.status_polls == 3);
    CHECK(fake.cleanups == 1);
    REQUIRE(r.values.size() == 1);
    CHECK(r.values[0] == probes::ExtractedValue{"balance", 5000.23});
    std::lock_guard lock(fake.mu);
    CHECK_THAT(fake.last_topup_body, Catch::StartsWith(R"({"operatorId":535,"amount":"5.00","customIdentifier":"noc-)"));
    CHECK(fake.last_cleanup_path == "/sandbox/topups/4602843");
    CHECK(f.auth.token_requests() == 1);
}

TEST_CASE("scenario: a failing step skips the rest but clean-up still runs", "[probes][integration]") {
    FakeReloadly fake;
    fake.topup_fails = true;
    auto cfg = config::load_string(scenario_config(fake.server.url()), "s.toml", noctua::testing::probe_kind_parsers());
    REQUIRE(cfg.has_value());
    Fixture f;
    auto r = f.run(cfg->probes[0]);
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "status");
    CHECK(r.message == "step topup: status 400, expected 200-299");
    REQUIRE(r.steps.size() == 5);
    CHECK(r.steps[3].skipped);
    // The clean-up step ran (it was not skipped); here it had no transaction to remove.
    CHECK_FALSE(r.steps[4].skipped);
    CHECK(r.steps[4].message == "{{ steps.topup.body.transactionId }}: no key \"transactionId\" in body");
    CHECK(fake.status_polls == 0);
    CHECK(r.values.empty());
}

TEST_CASE("scenario: a header value from a response that holds a line break is never sent",
          "[probes][integration]") {
    FakeReloadly fake;
    auto cfg = config::load_string(fmt::format(R"TOML(
[[providers]]
id = "reloadly"
base_url = "{0}"

[[probes]]
id = "ref-then-balance"
provider = "reloadly"
kind = "scenario"
interval = "5m"
timeout = "20s"

[[probes.steps]]
name = "ref"
path = "/references/latest"

[[probes.steps]]
name = "balance"
path = "/accounts/balance"
headers = {{ X-Reference = "{{{{ steps.ref.body.ref }}}}" }}
)TOML", fake.server.url()), "s.toml", noctua::testing::probe_kind_parsers());
    REQUIRE(cfg.has_value());
    Fixture f;
    auto r = f.run(cfg->probes[0]);
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "assertion");
    CHECK(r.message == "step balance: header X-Reference: the value holds a line break or NUL");
    CHECK(fake.balance_calls == 0);
}

TEST_CASE("scenario: template and step-reference errors at check time", "[probes][unit]") {
    const auto errors = [](const std::string& steps) {
        return noctua::testing::error_lines(R"([[providers]]
id = "p"
base_url = "http://127.0.0.1:1"
[[probes]]
id = "s"
provider = "p"
kind = "scenario"
)" + steps,
                                            "s.toml", noctua::testing::probe_kind_parsers());
    };
    auto e = errors("[[probes.steps]]\nname = \"a\"\npath = \"/x/{{ steps.b.body.id }}\"\n[[probes.steps]]\nname = \"b\"\npath = \"/y\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "s.toml:10:15: probes[0].steps[0].path: steps.b.body.id: no earlier step to refer to");
    e = errors("[[probes.steps]]\nname = \"a\"\npath = \"/x/{{ steps.a.body.id\"\n");
    CHECK_THAT(e[0], Catch::StartsWith("s.toml:10:12: probes[0].steps[0].path: unclosed {{"));
    const std::pair<std::string, std::string_view> first_errors[] = {
        {"[[probes.steps]]\nname = \"a\"\npath = \"/x\"\nbody = \"{{ uuidd }}\"\n",
         "unknown name \"uuidd\" (did you mean \"uuid\"?)"},
        {"[[probes.steps]]\nname = \"a\"\npath = \"/x\"\nattempts = 3\n", "attempts needs until"},
    };
    noctua::testing::check_first_errors(first_errors, errors);
}

TEST_CASE("heartbeat: fails when no beat arrives within interval + grace", "[probes][unit]") {
    boost::asio::io_context ioc;
    testing::FakeHttpClient http{ioc};
    core::ManualClock clock{core::TimePoint{1'000'000s}};
    probes::HeartbeatBoard board{clock};
    probes::ProbeContext ctx{http, clock, ioc.get_executor(), nullptr, &board};
    probes::ProbeRegistry registry;
    probes::register_builtin_probes(registry);
    auto c = testing::acme_probe_config(
        "nightly-export", "heartbeat",
        probes::HeartbeatOptions{config::Secret("hb-token", "inline"), 5min});
    c.interval = 1h;
    auto p = registry.create(c, ctx);
    REQUIRE(p.has_value());
    const auto run = [&] { return testing::run_once(ioc, **p); };
    CHECK(run().success);  // a new probe gets a full interval + grace
    clock.advance(1h + 5min + 1s);
    auto r = run();
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "heartbeat");
    CHECK(r.message == "no heartbeat for 1h5m1s (allowed: interval 1h + grace 5m)");
    CHECK(board.beat("nightly-export", "wrong") == probes::HeartbeatBoard::BeatResult::bad_token);
    CHECK(board.beat("other", "hb-token") == probes::HeartbeatBoard::BeatResult::unknown_id);
    CHECK(board.beat("nightly-export", "hb-token") == probes::HeartbeatBoard::BeatResult::ok);
    CHECK(run().success);
    CHECK(board.beats("nightly-export") == 1);
    p->reset();
    CHECK_FALSE(board.last("nightly-export").has_value());  // unregistered with its probe
}

TEST_CASE("HeartbeatBoard: refused beats are counted and logged at most once a second, without "
          "the token",
          "[probes][unit]") {
    core::ManualClock clock{core::TimePoint{1'000'000s}};
    prometheus::Registry registry;
    probes::ProbeMetrics metrics{registry};
    probes::HeartbeatBoard board{clock, &metrics.heartbeat_refusals};
    (void)board.add("nightly-export", config::Secret("hb-token", "inline"));
    auto refusals = [&](std::string probe, std::string reason) {
        return metrics.heartbeat_refusals.Add({{"probe", probe}, {"reason", reason}}).Value();
    };
    auto log = core::logger("probes");
    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
    log->sinks().push_back(sink);

    CHECK(board.beat("nightly-export", "guess-1") == probes::HeartbeatBoard::BeatResult::bad_token);
    CHECK(board.beat("nightly-export", "guess-2") == probes::HeartbeatBoard::BeatResult::bad_token);
    CHECK(board.beat("nightly-export", "") == probes::HeartbeatBoard::BeatResult::bad_token);
    CHECK(board.beat("no-such-id", "hb-token") == probes::HeartbeatBoard::BeatResult::unknown_id);
    clock.advance(1s);
    CHECK(board.beat("nightly-export", "guess-3") == probes::HeartbeatBoard::BeatResult::bad_token);
    CHECK(board.beat("nightly-export", "hb-token") == probes::HeartbeatBoard::BeatResult::ok);
    log->sinks().pop_back();

    CHECK(refusals("nightly-export", "bad_token") == 3);
    CHECK(refusals("nightly-export", "missing_token") == 1);
    CHECK(refusals("", "unknown_probe") == 1);
    const auto lines = sink->last_formatted();
    REQUIRE(lines.size() == 2);  // the first refusal, then the first one a second later
    CHECK_THAT(lines[0], Catch::Contains("heartbeat refused probe=nightly-export reason=bad_token"));
    CHECK_THAT(lines[1], Catch::Contains("refused_unlogged=3"));
    for (const auto& line : lines) {
        CHECK_THAT(line, !Catch::Contains("guess") && !Catch::Contains("hb-token") &&
                             !Catch::Contains("no-such-id"));
    }
}
