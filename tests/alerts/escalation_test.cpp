#include <catch2/catch.hpp>

#include "noctua/alerts/codec.hpp"
#include "noctua/alerts/notifier.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "alert_fixtures.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using alerts::Alert;
using alerts::AlertState;

namespace {

// A day after the epoch: times as the daemon sees them, never zero.
core::TimePoint at(std::chrono::seconds s) { return core::TimePoint{24h + s}; }

// Three receivers; groups of the root route escalate to "secondary" after 10 minutes and to
// "manager" after 30, and are reminded every hour.
config::Config policy(std::string_view route_extra = "escalation = \"oncall\"") {
    return testing::load_config(testing::oncall_policy() + std::string(route_extra) + "\n");
}

Alert alert(std::string provider, AlertState state, core::TimePoint t, std::string op = "") {
    return testing::make_alert("ProviderDown", std::move(provider), state, at(0s), t, std::move(op));
}

struct Sent {
    core::TimePoint at;
    std::string receiver;
    std::string status;
    std::size_t alerts;
};

/// Flushes every group due up to `until`, in time order, as the pipeline's ticks would.
std::vector<Sent> run_to(alerts::Notifier& n, core::TimePoint until) {
    static std::uint64_t id = 1;
    std::vector<Sent> out;
    for (auto due = n.next_due(); due && *due <= until; due = n.next_due()) {
        for (auto& d : n.flush_due(*due, id)) {
            for (auto& x : d.notifications) {
                out.push_back({*due, x.receiver, std::string(x.status_name()), x.alerts.size()});
            }
        }
    }
    return out;
}

std::vector<std::string> receivers(const std::vector<Sent>& sent) {
    std::vector<std::string> out;
    for (const auto& s : sent) out.push_back(s.receiver);
    return out;
}

using V = std::vector<std::string>;

alerts::Ack ack_by(std::string who, core::TimePoint t) { return {std::move(who), "on it", t}; }

}  // namespace

TEST_CASE(
    "Escalation: an unacknowledged group goes to each step after its delay, and the "
    "resolve reaches everyone told",
    "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy());
    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    auto first = run_to(n, at(0s));
    CHECK(receivers(first) == V{"noc"});

    CHECK(run_to(n, at(599s)).empty());
    auto step1 = run_to(n, at(600s));
    REQUIRE(step1.size() == 1);
    CHECK(step1[0].receiver == "secondary");
    CHECK(step1[0].status == "firing");
    CHECK(step1[0].at == at(600s));

    CHECK(run_to(n, at(1799s)).empty());
    auto step2 = run_to(n, at(1800s));
    CHECK(receivers(step2) == V{"manager"});
    CHECK(step2.at(0).at == at(1800s));

    n.update(alert("acme", AlertState::resolved, at(2400s)), at(2400s));
    auto resolved = run_to(n, at(2400s));
    CHECK(receivers(resolved) == V{"noc", "secondary", "manager"});
    for (const auto& r : resolved) CHECK(r.status == "resolved");
    CHECK_FALSE(n.next_due());
}

TEST_CASE(
    "Escalation: an ack before the first step stops the chain and the reminders; one "
    "acknowledged notice goes out",
    "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy());
    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(receivers(run_to(n, at(0s))) == V{"noc"});

    const auto fp = alert("acme", AlertState::firing, at(0s)).fingerprint();
    auto acked = n.acknowledge(fp, ack_by("alice", at(300s)), at(300s));
    REQUIRE(acked);
    CHECK(acked->ack->by == "alice");
    auto notice = run_to(n, at(300s));
    REQUIRE(notice.size() == 1);
    CHECK(notice[0].receiver == "noc");
    CHECK(notice[0].status == "acknowledged");

    // No step at 10m or 30m, no reminder at 1h, 2h, 3h.
    CHECK(run_to(n, at(4h)).empty());

    n.update(alert("acme", AlertState::resolved, at(4h + 60s)), at(4h + 60s));
    auto resolved = run_to(n, at(4h + 60s));
    CHECK(receivers(resolved) == V{"noc"});
    CHECK(resolved.at(0).status == "resolved");
}

TEST_CASE("Escalation: an ack after the first step tells both, and the next step never comes",
          "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy());
    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(receivers(run_to(n, at(600s))) == V{"noc", "secondary"});

    const auto fp = alert("acme", AlertState::firing, at(0s)).fingerprint();
    REQUIRE(n.acknowledge(fp, ack_by("bob", at(900s)), at(900s)));
    auto notice = run_to(n, at(900s));
    CHECK(receivers(notice) == V{"noc", "secondary"});
    for (const auto& s : notice) CHECK(s.status == "acknowledged");
    CHECK(run_to(n, at(3h)).empty());  // no manager at 30m, no reminders

    n.update(alert("acme", AlertState::resolved, at(3h)), at(3h));
    CHECK(receivers(run_to(n, at(3h))) == V{"noc", "secondary"});
}

TEST_CASE(
    "Escalation: a partly acknowledged group still escalates; a new alert in an "
    "acknowledged group pages and restarts the clock",
    "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy());
    n.update(alert("acme", AlertState::firing, at(0s), "a"), at(0s));
    n.update(alert("acme", AlertState::firing, at(0s), "b"), at(0s));
    REQUIRE(receivers(run_to(n, at(0s))) == V{"noc"});
    const auto fp_a = alert("acme", AlertState::firing, at(0s), "a").fingerprint();
    const auto fp_b = alert("acme", AlertState::firing, at(0s), "b").fingerprint();

    // One of two acknowledged: nothing to say yet, and the step still comes.
    REQUIRE(n.acknowledge(fp_a, ack_by("alice", at(60s)), at(60s)));
    auto step1 = run_to(n, at(600s));
    CHECK(receivers(step1) == V{"secondary"});

    REQUIRE(n.acknowledge(fp_b, ack_by("alice", at(700s)), at(700s)));
    CHECK(receivers(run_to(n, at(700s))) == V{"noc", "secondary"});

    // A third alert joins at 20m: paged to everyone who hears of the group; the clock restarts
    // at its page (the next group interval, 20m40s), so the manager step comes 30m after that,
    // not at once at 30m.
    CHECK(run_to(n, at(1200s)).empty());
    n.update(alert("acme", AlertState::firing, at(1200s), "c"), at(1200s));
    auto joined = run_to(n, at(1260s));
    CHECK(receivers(joined) == V{"noc", "secondary"});
    for (const auto& s : joined) CHECK(s.status == "firing");
    CHECK(run_to(n, at(1200s + 1799s)).empty());
    CHECK(receivers(run_to(n, at(1200s + 1800s + 60s))) == V{"manager"});
}

TEST_CASE(
    "Reminders: an unacknowledged firing group is re-sent every repeat_interval until "
    "acknowledged",
    "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy(""));  // no escalation: reminders alone
    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(run_to(n, at(0s)).size() == 1);
    auto reminders = run_to(n, at(2h));
    REQUIRE(reminders.size() == 2);
    CHECK(reminders[0].at == at(1h));
    CHECK(reminders[1].at == at(2h));
    CHECK(reminders[0].status == "firing");
    CHECK(receivers(reminders) == V{"noc", "noc"});

    const auto fp = alert("acme", AlertState::firing, at(0s)).fingerprint();
    CHECK(run_to(n, at(2h + 10min)).empty());
    REQUIRE(n.acknowledge(fp, ack_by("carol", at(2h + 10min)), at(2h + 10min)));
    auto after = run_to(n, at(6h));
    REQUIRE(after.size() == 1);
    CHECK(after[0].status == "acknowledged");
    CHECK(after[0].at == at(2h + 10min));
}

TEST_CASE("Acknowledge: only a firing alert can be acknowledged; the ack ends with the alert",
          "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(policy());
    const auto fp = alert("acme", AlertState::firing, at(0s)).fingerprint();
    auto unknown = n.acknowledge(fp, ack_by("alice", at(0s)), at(0s));
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == core::Errc::not_found);

    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(n.acknowledge(fp, ack_by("alice", at(10s)), at(10s)));
    // A refresh of the firing alert keeps the ack.
    n.update(alert("acme", AlertState::firing, at(20s)), at(20s));
    REQUIRE(n.firing().at(fp).ack);
    CHECK(n.firing().at(fp).ack->by == "alice");

    n.update(alert("acme", AlertState::resolved, at(30s)), at(30s));
    CHECK_FALSE(n.acknowledge(fp, ack_by("alice", at(40s)), at(40s)));
    // Firing again is a new incident: no ack carried over.
    n.update(alert("acme", AlertState::firing, at(50s)), at(50s));
    CHECK_FALSE(n.firing().at(fp).ack);
}

TEST_CASE("codec: acks, acknowledged notifications and escalation records read back",
          "[alerts][unit]") {
    auto a = alert("acme", AlertState::firing, at(5s));
    a.ack = alerts::Ack{"alice", "looking \"now\"", at(7s)};
    auto back = alerts::decode_alert(alerts::encode(a));
    REQUIRE(back);
    CHECK(back->ack == a.ack);

    alerts::Notification note;
    note.receiver = "noc";
    note.alerts.push_back(a);
    note.acknowledged = true;
    auto nb = alerts::decode_notification(alerts::encode(note));
    REQUIRE(nb);
    CHECK(nb->acknowledged);
    CHECK(nb->status_name() == "acknowledged");

    alerts::NotifyRecord r;
    r.firing = {1, 2};
    r.acked = {2};
    r.since = at(100s);
    r.steps = 2;
    r.escalated_to = {"secondary"};
    r.at = at(200s);
    auto rb = alerts::decode_record(alerts::encode(r));
    REQUIRE(rb);
    CHECK(*rb == r);
    // A record without the acknowledgement fields reads as nothing acknowledged or escalated.
    auto old = alerts::decode_record(R"({"firing":[1],"resolved":[],"at":5})");
    REQUIRE(old);
    CHECK(old->acked.empty());
    CHECK(old->steps == 0);
}
