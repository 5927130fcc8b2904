#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "noctua/alerts/pipeline.hpp"
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
    return testing::load_config(testing::oncall_policy() + "escalation = \"oncall\"\n");
}

alerts::Alert alert(AlertState state, core::TimePoint t) {
    return testing::make_alert("ProviderDown", "acme", state, t, t);
}

const std::string kFingerprint = alert(AlertState::firing, {}).labels.fingerprint_hex();

/// One daemon life: a pipeline on a store file and three recording receivers; the second one
/// does not take acknowledged notifications.
struct Life : testing::PipelineLife {
    Life(const std::string& path, core::ManualClock& c)
        : PipelineLife(path, c, cfg(), [](Hooks& made) { made["secondary"]->acks = false; }) {}
    /// Advances the clock to `t` a minute at a time, ticking as the daemon does.
    void tick_to(core::TimePoint t) {
        while (clock.now() < t) {
            clock.advance(std::min<core::Duration>(60s, t - clock.now()));
            pipeline.tick();
        }
        settle();
    }
    /// Every delivery and every store write done.
    void settle() {
        REQUIRE(testing::run_until(ioc, [&] { return pipeline.dispatcher().pending() == 0; }));
        bool written = false;
        pipeline.dispatcher().after_writes([&] { written = true; });
        REQUIRE(testing::run_until(ioc, [&] { return written; }));
    }
    /// noctua_alert_escalations_total{receiver} of this life.
    double escalations(const std::string& receiver) {
        return metrics.escalations.Add({{"receiver", receiver}}).Value();
    }
    std::vector<std::string> told(const std::string& receiver) const {
        std::vector<std::string> out;
        for (const auto& d : hooks.at(receiver)->delivered) {
            out.push_back(d.acknowledged ? "acknowledged" : std::string(to_string(d.status)));
        }
        return out;
    }
};

using V = std::vector<std::string>;

/// A database that outlives the pipelines a test starts on it, and their clock.
struct Restarts {
    testing::TempDir dir;
    const std::string path = (dir.path / "noctua.db").string();
    const core::TimePoint t0 = core::TimePoint{100000s};
    core::ManualClock clock{t0};
};

}  // namespace

TEST_CASE_METHOD(Restarts,
                 "Ack and escalation: the chain, the ack and the resolve survive restarts",
                 "[alerts][integration]") {
    {
        Life life(path, clock);
        life.pipeline.on_transition(alert(AlertState::firing, clock.now()));
        life.tick_to(t0 + 10min);
        CHECK(life.told("noc") == V{"firing"});
        CHECK(life.told("secondary") == V{"firing"});
        CHECK(life.told("manager").empty());
        CHECK(life.escalations("secondary") == 1);
        CHECK(life.escalations("manager") == 0);
    }
    {
        // Restarted: the second step comes at 30m, once; nobody is paged again as new.
        Life life(path, clock);
        REQUIRE(life.restored.size() == 1);
        life.tick_to(t0 + 29min);
        CHECK(life.told("manager").empty());
        life.tick_to(t0 + 30min);
        CHECK(life.told("manager") == V{"firing"});
        CHECK(life.told("noc").empty());
        CHECK(life.told("secondary").empty());
        CHECK(life.escalations("manager") == 1);
        CHECK(life.escalations("secondary") == 0);
        CHECK(life.metrics.acks.Value() == 0);

        auto acked = life.pipeline.acknowledge(kFingerprint, "alice", "on it");
        REQUIRE(acked);
        CHECK(acked->ack->by == "alice");
        CHECK(acked->ack->at == t0 + 30min);
        CHECK(life.metrics.acks.Value() == 1);
        life.settle();
        // Receivers that take acks are told; the one that does not is left alone.
        CHECK(life.told("noc") == V{"acknowledged"});
        CHECK(life.told("manager") == V{"firing", "acknowledged"});
        CHECK(life.told("secondary").empty());
    }
    {
        // Restarted again: the ack is still there; no reminders while acknowledged.
        Life life(path, clock);
        REQUIRE(life.restored.size() == 1);
        REQUIRE(life.restored[0].ack);
        CHECK(life.restored[0].ack->by == "alice");
        CHECK(life.restored[0].ack->comment == "on it");
        REQUIRE(life.pipeline.notifier().firing().begin()->second.ack);
        life.tick_to(t0 + 5h);
        CHECK(life.told("noc").empty());
        CHECK(life.told("secondary").empty());
        CHECK(life.told("manager").empty());
        CHECK(life.escalations("secondary") + life.escalations("manager") == 0);

        // The resolve reaches every receiver that was told of the trigger.
        life.pipeline.on_transition(alert(AlertState::resolved, clock.now()));
        life.settle();
        CHECK(life.told("noc") == V{"resolved"});
        CHECK(life.told("secondary") == V{"resolved"});
        CHECK(life.told("manager") == V{"resolved"});
    }
}

TEST_CASE_METHOD(Restarts,
                 "Ack and escalation: an ack before the first step, then a restart: no escalation",
                 "[alerts][integration]") {
    {
        Life life(path, clock);
        life.pipeline.on_transition(alert(AlertState::firing, clock.now()));
        life.tick_to(t0 + 5min);
        REQUIRE(life.pipeline.acknowledge(kFingerprint, "bob", ""));
        life.settle();
        CHECK(life.told("noc") == V{"firing", "acknowledged"});
    }
    Life life(path, clock);
    life.tick_to(t0 + 2h);
    CHECK(life.told("noc").empty());
    CHECK(life.told("secondary").empty());
    CHECK(life.told("manager").empty());
    CHECK(life.escalations("secondary") + life.escalations("manager") == 0);
}

TEST_CASE("Ack: unknown and malformed fingerprints are refused", "[alerts][unit]") {
    testing::TempDir dir;
    core::ManualClock clock{core::TimePoint{1000s}};
    Life life((dir.path / "noctua.db").string(), clock);
    auto unknown = life.pipeline.acknowledge(kFingerprint, "alice", "");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == core::Errc::not_found);
    for (std::string_view bad : {"", "xyz", "00000000000000001", "12 4"}) {
        auto r = life.pipeline.acknowledge(bad, "alice", "");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == core::Errc::invalid_argument);
    }
    CHECK(life.metrics.acks.Value() == 0);  // refused: not counted
}
