#include <catch2/catch.hpp>

#include "noctua/alerts/codec.hpp"
#include "noctua/alerts/notifier.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "alert_fixtures.hpp"

using namespace noctua;
using namespace noctua::testing::alert_names;

namespace {

config::Config routing(std::string_view extra = "") {
    std::string toml = testing::noc_and_pager() + std::string(testing::kInhibitOnProviderDown);
    toml += R"(
[route]
receiver = "noc"
group_by = ["provider"]
group_wait = "30s"
group_interval = "5m"
[[route.routes]]
match = { tier = "premium" }
receiver = "pager"
group_wait = "0s"
)";
    toml += extra;
    return testing::load_config(toml);
}

Alert alert(std::string name, std::string provider, AlertState state, core::TimePoint t,
            std::string op = "") {
    return testing::make_alert(std::move(name), std::move(provider), state, t, t, std::move(op));
}

using testing::flush;

}  // namespace

TEST_CASE("Notifier: an outage with its traffic alerts is one page, and one resolve",
          "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(routing());
    n.update(alert("ProviderDown", "acme", AlertState::firing, at(0s)), at(0s));
    for (int i = 0; i < 15; ++i) {
        n.update(
            alert("TrafficLoss", "acme", AlertState::firing, at(10s), "op" + std::to_string(i)),
            at(10s));
    }
    CHECK(flush(n, at(29s)).empty());
    auto sent = flush(n, at(30s));
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].receiver == "noc");
    CHECK(sent[0].group_key == R"({}:{provider="acme"})");
    REQUIRE(sent[0].alerts.size() == 1);  // the 15 traffic alerts are inhibited
    CHECK(sent[0].alerts[0].alertname() == "ProviderDown");

    // Everything resolves: one resolve notification, for the page that went out.
    n.update(alert("ProviderDown", "acme", AlertState::resolved, at(600s)), at(600s));
    for (int i = 0; i < 15; ++i) {
        n.update(
            alert("TrafficLoss", "acme", AlertState::resolved, at(600s), "op" + std::to_string(i)),
            at(600s));
    }
    auto resolved = flush(n, at(630s));
    REQUIRE(resolved.size() == 1);
    CHECK(resolved[0].status() == AlertState::resolved);
    CHECK(resolved[0].alerts.size() == 1);
    CHECK(n.group_count() == 0);
}

TEST_CASE("Notifier: inhibited alerts page once their source resolves", "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(routing());
    n.update(alert("ProviderDown", "acme", AlertState::firing, at(0s)), at(0s));
    n.update(alert("BalanceLow", "acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(flush(n, at(30s)).at(0).alerts.size() == 1);
    n.update(alert("ProviderDown", "acme", AlertState::resolved, at(100s)), at(100s));
    auto next = flush(n, at(330s));
    REQUIRE(next.size() == 1);
    // The balance alert is no longer inhibited: it pages, with the outage's resolve.
    std::vector<std::string> names;
    for (const auto& a : next[0].alerts) {
        names.push_back(std::string(a.alertname()) + "/" + std::string(to_string(a.state)));
    }
    CHECK(names == std::vector<std::string>{"BalanceLow/firing", "ProviderDown/resolved"});
}

TEST_CASE("Notifier: premium tier routes to the pager at once; silences mute it",
          "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(routing());
    auto premium = alert("LatencyHigh", "zeta", AlertState::firing, at(0s));
    premium.labels.set("tier", "premium");
    n.update(premium, at(0s));
    auto sent = flush(n, at(0s));
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].receiver == "pager");

    alerts::Silence s;
    s.matchers = *core::parse_matchers(R"(provider="beta")");
    s.ends_at = at(3600s);
    REQUIRE(n.silences().add(s, at(1s), 7));
    auto beta = alert("LatencyHigh", "beta", AlertState::firing, at(2s));
    beta.labels.set("tier", "premium");
    n.update(beta, at(2s));
    CHECK(flush(n, at(2s)).empty());
    CHECK(n.mute_reason(beta.labels, nullptr, at(2s)).kind == alerts::MuteReason::Kind::silenced);
    // The silence ends: the still-firing alert pages at the next group interval.
    auto later = flush(n, at(3600s + 300s));
    REQUIRE(later.size() == 1);
    CHECK(later[0].alerts.at(0).labels.get("provider") == "beta");
}

TEST_CASE("Notifier: a mute time interval holds pages until it ends", "[alerts][unit]") {
    alerts::Notifier n;
    auto cfg = routing(R"(
[[time_intervals]]
name = "maintenance"
[[time_intervals.periods]]
years = ["1970"]
months = ["january"]
days_of_month = ["1"]
times = ["00:00-01:00"]
)");
    cfg.route.mute_time_intervals = std::vector<std::string>{"maintenance"};
    n.configure(cfg);
    n.update(alert("ProviderDown", "acme", AlertState::firing, at(0s)), at(0s));
    CHECK(flush(n, at(30s)).empty());
    CHECK(flush(n, at(330s)).empty());
    CHECK(flush(n, at(3330s)).empty());  // 00:55:30, still inside the maintenance hour
    auto sent = flush(n, at(3630s));     // the next group interval after it ends
    REQUIRE(sent.size() == 1);
}

TEST_CASE("Notifier: a restart with restored records pages nothing again", "[alerts][unit]") {
    alerts::Notifier before;
    before.configure(routing());
    std::uint64_t id = 1;
    before.update(alert("ProviderDown", "acme", AlertState::firing, at(0s)), at(0s));
    auto due = before.flush_due(at(30s), id);
    REQUIRE(due.size() == 1);
    REQUIRE(due[0].record);
    // What the pipeline stores, and reads back after the restart.
    auto stored = alerts::encode(*due[0].record);
    auto record = alerts::decode_record(stored);
    REQUIRE(record);

    alerts::Notifier after;
    after.configure(routing());
    after.restore({{due[0].record_key, *record}});
    after.update(alert("ProviderDown", "acme", AlertState::firing, at(0s)), at(40s));
    CHECK(after.flush_due(at(40s), id).empty());
    CHECK(after.flush_due(at(70s), id).empty());
    // Its resolve is still owed and delivered.
    after.update(alert("ProviderDown", "acme", AlertState::resolved, at(100s)), at(100s));
    auto resolved = after.flush_due(at(400s), id);
    REQUIRE(resolved.size() == 1);
    REQUIRE(resolved[0].notifications.size() == 1);
    CHECK(resolved[0].notifications[0].status() == AlertState::resolved);
    CHECK_FALSE(resolved[0].record);  // the group is gone: its record is forgotten
}

TEST_CASE("codec: notifications, records, alerts and silences read back exactly",
          "[alerts][unit]") {
    alerts::Notification n;
    n.id = 42;
    n.receiver = "noc";
    n.group_key = R"({}:{provider="a\"b"})";
    n.group_labels = {{"provider", "a\"b"}};
    n.created = at(5s);
    auto a = alert("ProviderDown", "a\"b", AlertState::resolved, at(1s));
    a.annotations["summary"] = "down\nsince 10:00 — ünïcode";
    n.alerts.push_back(a);
    auto back = alerts::decode_notification(alerts::encode(n));
    REQUIRE(back);
    CHECK(back->id == 42);
    CHECK(back->group_key == n.group_key);
    CHECK(back->group_labels == n.group_labels);
    REQUIRE(back->alerts.size() == 1);
    CHECK(back->alerts[0].labels == a.labels);
    CHECK(back->alerts[0].annotations == a.annotations);
    CHECK(back->alerts[0].state == AlertState::resolved);
    CHECK(back->alerts[0].ends_at == a.ends_at);

    alerts::Silence s;
    s.id = "abc";
    s.matchers = *core::parse_matchers(R"({provider=~"a|b", tier!="x"})");
    s.starts_at = at(1s);
    s.ends_at = at(2s);
    s.created_by = "noc";
    s.comment = "window";
    auto sb = alerts::decode_silence(alerts::encode(s));
    REQUIRE(sb);
    CHECK(sb->matchers == s.matchers);
    CHECK(sb->ends_at == s.ends_at);
    CHECK_FALSE(alerts::decode_notification("{\"id\": 1}"));
    CHECK_FALSE(alerts::decode_record("not json"));
}
