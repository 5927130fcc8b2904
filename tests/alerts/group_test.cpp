#include <catch2/catch.hpp>

#include "noctua/alerts/group.hpp"
#include "alert_fixtures.hpp"

using namespace noctua;
using namespace noctua::testing::alert_names;

namespace {

Alert alert(std::string op, AlertState state, core::TimePoint starts, core::TimePoint ends = {}) {
    Alert a;
    a.labels = {{"alertname", "TrafficLoss"}, {"provider", "acme"}, {"operator", std::move(op)}};
    a.state = state;
    a.starts_at = starts;
    a.ends_at = ends;
    return a;
}

alerts::RouteTree tree() {
    config::RouteConfig root;
    root.receiver = "noc";
    root.group_by = std::vector<std::string>{"provider"};
    root.group_wait = 30s;
    root.group_interval = 5min;
    root.repeat_interval = 4h;
    return alerts::RouteTree{root};
}

const auto never = [](const Alert&) { return false; };
}  // namespace

TEST_CASE("AlertGroup: sixteen alerts of one incident make one notification", "[alerts][unit]") {
    const auto t = tree();
    alerts::AlertGroup g{t.root(), {{"provider", "acme"}}, at(0s)};
    for (int i = 0; i < 16; ++i) {
        g.insert(alert("op" + std::to_string(i), AlertState::firing, at(std::chrono::seconds(i))),
                 at(std::chrono::seconds(i)));
    }
    REQUIRE(g.next_flush() == at(30s));
    auto n = g.flush(at(30s), true, never);
    REQUIRE(n);
    CHECK(n->alerts.size() == 16);
    CHECK(g.key() == R"({}:{provider="acme"})");

    // Nothing new: the next group_interval says nothing.
    REQUIRE(g.next_flush() == at(330s));
    CHECK_FALSE(g.flush(at(330s), true, never));

    // One more alert joins: the next flush carries all seventeen.
    g.insert(alert("op16", AlertState::firing, at(400s)), at(400s));
    auto more = g.flush(at(630s), true, never);
    REQUIRE(more);
    CHECK(more->alerts.size() == 17);
}

TEST_CASE("AlertGroup: resolves go out once, then the group empties", "[alerts][unit]") {
    const auto t = tree();
    alerts::AlertGroup g{t.root(), {{"provider", "acme"}}, at(0s)};
    g.insert(alert("a", AlertState::firing, at(0s)), at(0s));
    REQUIRE(g.flush(at(30s), true, never));
    g.insert(alert("a", AlertState::resolved, at(0s), at(100s)), at(100s));
    auto n = g.flush(at(330s), true, never);
    REQUIRE(n);
    REQUIRE(n->alerts.size() == 1);
    CHECK(n->alerts.front().state == AlertState::resolved);
    CHECK(g.empty());
    CHECK_FALSE(g.next_flush());
}

TEST_CASE("AlertGroup: repeat_interval reminds while firing", "[alerts][unit]") {
    const auto t = tree();
    alerts::AlertGroup g{t.root(), {{"provider", "acme"}}, at(0s)};
    g.insert(alert("a", AlertState::firing, at(0s)), at(0s));
    REQUIRE(g.flush(at(30s), true, never));
    int sent = 0;
    for (auto now = at(330s); now < at(30s) + 4h + 1min; now += 5min) {
        g.insert(alert("a", AlertState::firing, at(0s)), now);
        if (g.flush(now, true, never)) ++sent;
    }
    CHECK(sent == 1);  // exactly one reminder at the 4 h mark
}

TEST_CASE("AlertGroup: a muted alert is not paged, but a delivered page gets its resolve",
          "[alerts][unit]") {
    const auto t = tree();
    alerts::AlertGroup g{t.root(), {{"provider", "acme"}}, at(0s)};
    bool mute = false;
    auto muted = [&](const Alert&) { return mute; };

    g.insert(alert("a", AlertState::firing, at(0s)), at(0s));
    REQUIRE(g.flush(at(30s), true, muted));  // paged before the silence

    mute = true;  // silenced (or inhibited) while firing: a and b
    g.insert(alert("b", AlertState::firing, at(60s)), at(60s));
    CHECK_FALSE(g.flush(at(330s), true, muted));  // b never pages; a is not "resolved"
    CHECK_FALSE(g.flush(at(630s), true, muted));

    g.insert(alert("a", AlertState::resolved, at(0s), at(400s)), at(400s));
    g.insert(alert("b", AlertState::resolved, at(60s), at(400s)), at(400s));
    auto n = g.flush(at(930s), true, muted);
    REQUIRE(n);
    REQUIRE(n->alerts.size() == 1);  // a's resolve, not b's
    CHECK(n->alerts.front().labels.get("operator") == "a");
    CHECK(n->alerts.front().state == AlertState::resolved);
}

TEST_CASE("AlertGroup: an alert older than group_wait is sent at once; state survives a restore",
          "[alerts][unit]") {
    const auto t = tree();
    alerts::AlertGroup g{t.root(), {{"provider", "acme"}}, at(600s)};
    g.insert(alert("a", AlertState::firing, at(0s)), at(600s));
    CHECK(g.next_flush() == at(600s));
    REQUIRE(g.flush(at(600s), true, never));

    // After a restart the same alert, with the record restored, is not paged again as new.
    alerts::AlertGroup again{t.root(), {{"provider", "acme"}}, at(700s)};
    again.restore(g.record());
    again.insert(alert("a", AlertState::firing, at(0s)), at(700s));
    CHECK_FALSE(again.flush(*again.next_flush(), true, never));
}

TEST_CASE("FingerprintSet: sorted and unique whatever the insertion order", "[alerts][unit]") {
    alerts::FingerprintSet s{30, 10, 20, 10};
    CHECK(std::vector<std::uint64_t>(s.begin(), s.end()) == std::vector<std::uint64_t>{10, 20, 30});
    CHECK(s.insert(40));
    CHECK_FALSE(s.insert(20));
    CHECK(s.insert(15));
    CHECK(s.contains(15));
    CHECK_FALSE(s.contains(16));
    s.merge(alerts::FingerprintSet{5, 40, 50});
    CHECK(std::vector<std::uint64_t>(s.begin(), s.end()) ==
          std::vector<std::uint64_t>{5, 10, 15, 20, 30, 40, 50});
    CHECK(s.size() == 7);
    CHECK(s == alerts::FingerprintSet{50, 40, 30, 20, 15, 10, 5});
    CHECK(alerts::FingerprintSet{}.empty());
}
