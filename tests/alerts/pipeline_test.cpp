#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "noctua/alerts/codec.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/store/alert_store.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/temp_dir.hpp"
#include "alert_fixtures.hpp"
#include "pipeline_life.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using alerts::AlertState;

namespace {

config::Config cfg() {
    return testing::load_config(R"(
[[receivers]]
name = "hook"
kind = "log"
initial_backoff = "1ms"
max_backoff = "2ms"
max_attempts = 1000000
[route]
receiver = "hook"
group_by = ["provider"]
group_wait = "0s"
group_interval = "1s"
)");
}

alerts::Alert alert(std::string provider, AlertState state, core::TimePoint t) {
    return testing::make_alert("ProviderDown", std::move(provider), state, core::TimePoint{}, t);
}

/// One daemon life: an io_context, a pipeline on a store file, a receiver.
struct Life : testing::PipelineLife {
    std::shared_ptr<testing::RecordingChannel> hook;

    Life(const std::string& path, core::ManualClock& c, bool receiver_up)
        : PipelineLife(path, c, cfg(),
                       [receiver_up](Hooks& made) { made["hook"]->always_retry = !receiver_up; }),
          hook(hooks.at("hook")) {}
    void settle() {
        testing::run_until(
            ioc, [&] { return pipeline.dispatcher().pending() == 0; }, 5s);
    }
};

}  // namespace

TEST_CASE("AlertPipeline: a receiver outage and a kill lose nothing and send nothing twice",
          "[alerts][integration]") {
    testing::TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    core::ManualClock clock{core::TimePoint{1000s}};
    {
        // Alerts fire and resolve while the receiver is down; then the process dies with
        // everything still queued (no drain: what kill -9 leaves).
        Life life(path, clock, false);
        life.pipeline.on_transition(alert("acme", AlertState::firing, clock.now()));
        life.pipeline.on_transition(alert("zeta", AlertState::firing, clock.now()));
        REQUIRE(testing::run_until(life.ioc, [&] { return life.hook->attempts.size() >= 4; }));
        clock.advance(5s);
        life.pipeline.on_transition(alert("acme", AlertState::resolved, clock.now()));
        life.pipeline.tick();
        REQUIRE(testing::run_until(life.ioc, [&] {
            return life.pipeline.dispatcher().pending() == 3;  // acme firing+resolve, zeta firing
        }));
        CHECK(life.hook->delivered.empty());
        life.pipeline.dispatcher().stop();
    }
    {
        // Restarted with the receiver healed: every notification arrives, in order per group.
        Life life(path, clock, true);
        REQUIRE(life.restored.size() == 1);  // zeta still fires; acme resolved
        CHECK(life.restored[0].labels.get("provider") == "zeta");
        life.settle();
        REQUIRE(life.hook->delivered.size() == 3);
        std::vector<std::pair<std::string, AlertState>> got;
        for (const auto& d : life.hook->delivered) got.emplace_back(d.group_key, d.status);
        const auto acme = std::string(R"({}:{provider="acme"})");
        const auto zeta = std::string(R"({}:{provider="zeta"})");
        auto pos = [&](const std::string& g, AlertState s) {
            return std::find(got.begin(), got.end(), std::pair{g, s}) - got.begin();
        };
        CHECK(pos(zeta, AlertState::firing) < 3);
        CHECK(pos(acme, AlertState::firing) < pos(acme, AlertState::resolved));
        CHECK(pos(acme, AlertState::resolved) < 3);

        // The restored firing alert refreshed by its rule is not paged again as new.
        clock.advance(10s);
        life.pipeline.on_transition(alert("zeta", AlertState::firing, clock.now()));
        life.pipeline.tick();
        life.settle();
        CHECK(life.hook->delivered.size() == 3);
    }
    {
        // A third life: nothing left to send.
        Life life(path, clock, true);
        life.settle();
        CHECK(life.hook->attempts.empty());
        clock.advance(10s);
        life.pipeline.on_transition(alert("zeta", AlertState::resolved, clock.now()));
        life.pipeline.tick();
        life.settle();
        REQUIRE(life.hook->delivered.size() == 1);
        CHECK(life.hook->delivered[0].status == AlertState::resolved);
    }
}

TEST_CASE("AlertPipeline: silences persist across restarts", "[alerts][integration]") {
    testing::TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    core::ManualClock clock{core::TimePoint{1000s}};
    std::string id;
    {
        Life life(path, clock, true);
        alerts::Silence s;
        s.matchers = *core::parse_matchers(R"(provider="acme")");
        s.ends_at = clock.now() + 1h;
        s.created_by = "noc";
        auto added = life.pipeline.add_silence(s);
        REQUIRE(added);
        id = added->id;
        life.settle();
        bool written = false;
        life.pipeline.dispatcher().after_writes([&] { written = true; });
        REQUIRE(testing::run_until(life.ioc, [&] { return written; }));
    }
    Life life(path, clock, true);
    REQUIRE(life.pipeline.notifier().silences().list().size() == 1);
    CHECK(life.pipeline.notifier().silences().list()[0].id == id);
    life.pipeline.on_transition(alert("acme", AlertState::firing, clock.now()));
    life.settle();
    CHECK(life.hook->attempts.empty());
}

TEST_CASE("AlertPipeline: the alert log keeps fired and resolved alerts across a restart for 48 h",
          "[alerts][integration]") {
    testing::TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    core::ManualClock clock{core::TimePoint{100h}};
    const auto write_all = [](Life& life) {
        bool written = false;
        life.pipeline.dispatcher().after_writes([&] { written = true; });
        REQUIRE(testing::run_until(life.ioc, [&] { return written; }));
    };
    {
        Life life(path, clock, true);
        auto acme = alert("acme", AlertState::firing, clock.now());
        acme.starts_at = clock.now();
        life.pipeline.on_transition(acme);
        clock.advance(15min);
        acme.state = AlertState::resolved;
        acme.ends_at = clock.now();
        life.pipeline.on_transition(acme);
        auto zeta = alert("zeta", AlertState::firing, clock.now());
        zeta.starts_at = clock.now();
        life.pipeline.on_transition(zeta);
        life.settle();
        write_all(life);
    }
    Life life(path, clock, true);
    auto log = life.pipeline.history(clock.now() - 24h);
    REQUIRE(log.size() == 2);
    CHECK(log[0].labels.get("provider") == "acme");
    CHECK(log[0].state == AlertState::resolved);
    CHECK(log[0].ends_at - log[0].starts_at == 15min);
    CHECK(log[1].labels.get("provider") == "zeta");
    CHECK(log[1].state == AlertState::firing);
    // A day later acme's alert is out of the day's window; zeta still fires, so it stays in.
    clock.advance(24h + 1min);
    log = life.pipeline.history(clock.now() - 24h);
    REQUIRE(log.size() == 1);
    CHECK(log[0].labels.get("provider") == "zeta");
    // Past 48 h the resolved one leaves the log (and the store) with the next transition.
    clock.advance(25h);
    auto zeta = log[0];
    zeta.state = AlertState::resolved;
    zeta.ends_at = clock.now();
    life.pipeline.on_transition(zeta);
    life.settle();
    CHECK(life.pipeline.history(core::TimePoint{}).size() == 1);
    write_all(life);
    life.pipeline.dispatcher().stop();
    Life again(path, clock, true);
    REQUIRE(again.pipeline.history(core::TimePoint{}).size() == 1);
    CHECK(again.pipeline.history(core::TimePoint{})[0].labels.get("provider") == "zeta");
}

TEST_CASE("AlertPipeline: send() delivers through the durable outbox, across a restart",
          "[alerts][integration]") {
    testing::TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    core::ManualClock clock{core::TimePoint{1000s}};
    alerts::Alert report;
    report.labels = {{"alertname", "StatusReport"}, {"severity", "info"}};
    report.annotations["summary"] = "Provider status: all passed";
    report.starts_at = clock.now();
    {
        // The receiver is down: the summary waits in the outbox when the process dies.
        Life life(path, clock, false);
        auto n = alerts::make_notification(0, "hook", report, clock.now());
        n.group_key = "status-report";
        life.pipeline.send(std::move(n));
        REQUIRE(testing::run_until(life.ioc, [&] { return life.hook->attempts.size() >= 2; }));
        CHECK(life.hook->delivered.empty());
        life.pipeline.dispatcher().stop();
    }
    Life life(path, clock, true);
    life.settle();
    REQUIRE(life.hook->delivered.size() == 1);
    CHECK(life.hook->delivered[0].group_key == "status-report");
    CHECK(life.hook->delivered[0].status == AlertState::firing);
    CHECK(life.hook->delivered[0].alerts == 1);
}

TEST_CASE("AlertPipeline: a firing alert is one store record, its log entry; one recorded by "
          "fingerprint outside the log moves into it",
          "[alerts][integration]") {
    testing::TempDir dir;
    const auto path = (dir.path / "noctua.db").string();
    core::ManualClock clock{core::TimePoint{1000s}};
    const auto records = [&](const char* ns) {
        auto s = store::AlertStore::open(path);
        REQUIRE(s);
        auto r = (*s)->records(ns);
        REQUIRE(r);
        return r->size();
    };
    auto zeta = alert("zeta", AlertState::firing, clock.now());
    zeta.starts_at = clock.now() - 1min;
    {
        auto s = store::AlertStore::open(path);
        REQUIRE(s);
        REQUIRE((*s)->write({}, {store::RecordWrite{"alerts", zeta.labels.fingerprint_hex(),
                                                    alerts::encode(zeta)}}));
    }
    {
        Life life(path, clock, true);
        REQUIRE(life.restored.size() == 1);
        CHECK(life.restored[0].labels.get("provider") == "zeta");
        auto acme = alert("acme", AlertState::firing, clock.now());
        acme.starts_at = clock.now();
        life.pipeline.on_transition(acme);
        life.settle();
        bool written = false;
        life.pipeline.dispatcher().after_writes([&] { written = true; });
        REQUIRE(testing::run_until(life.ioc, [&] { return written; }));
    }
    CHECK(records("alerts") == 0);
    CHECK(records("alert_log") == 2);
    Life life(path, clock, true);
    REQUIRE(life.restored.size() == 2);
    CHECK(life.restored[0].labels.get("provider") == "zeta");
    CHECK(life.restored[1].labels.get("provider") == "acme");
    CHECK(life.pipeline.history(core::TimePoint{}).size() == 2);
}
