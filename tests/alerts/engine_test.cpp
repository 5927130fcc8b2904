#include <catch2/catch.hpp>

#include <vector>

#include "noctua/alerts/engine.hpp"

using namespace noctua;
using alerts::AlertInput;
using alerts::AlertState;

namespace {
core::TimePoint at(int s) { return core::TimePoint{std::chrono::seconds(s)}; }
core::Labels labels(std::string provider) {
    return core::Labels{{"alertname", "ProviderDown"}, {"provider", std::move(provider)}};
}
}  // namespace

TEST_CASE("AlertEngine: one firing and one resolved transition per episode", "[alerts][unit]") {
    std::vector<alerts::Alert> seen;
    alerts::AlertEngine engine{[&](const alerts::Alert& a) { seen.push_back(a); }};

    REQUIRE(engine.update(AlertInput{labels("acme"), {{"summary", "down"}}, true, at(10)}));
    CHECK_FALSE(engine.update(AlertInput{labels("acme"), {{"summary", "still"}}, true, at(20)}));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].state == AlertState::firing);
    CHECK(seen[0].starts_at == at(10));
    REQUIRE(engine.firing().size() == 1);
    CHECK(engine.firing().begin()->annotations.at("summary") == "still");

    // Resolving something that never fired does nothing.
    CHECK_FALSE(engine.update(AlertInput{labels("zeta"), {}, false, at(25)}));

    auto resolved = engine.update(AlertInput{labels("acme"), {{"summary", "up"}}, false, at(30)});
    REQUIRE(resolved);
    REQUIRE(seen.size() == 2);
    CHECK(seen[1].state == AlertState::resolved);
    CHECK(seen[1].starts_at == at(10));
    CHECK(seen[1].ends_at == at(30));
    CHECK(seen[1].fingerprint() == seen[0].fingerprint());
    CHECK(engine.firing().empty());
    CHECK_FALSE(engine.update(AlertInput{labels("acme"), {}, false, at(40)}));
}

TEST_CASE("AlertEngine: resolve_if resolves only matching alerts", "[alerts][unit]") {
    int transitions = 0;
    alerts::AlertEngine engine{[&](const alerts::Alert&) { ++transitions; }};
    engine.update(AlertInput{labels("acme"), {}, true, at(1)});
    engine.update(AlertInput{labels("zeta"), {}, true, at(2)});
    engine.resolve_if([](const alerts::Alert& a) { return a.labels.get("provider") == "acme"; },
                      at(3));
    CHECK(transitions == 3);
    auto firing = engine.firing();
    REQUIRE(firing.size() == 1);
    CHECK(firing.begin()->labels.get("provider") == "zeta");
}

TEST_CASE("Alert: copies share labels, annotations and ack until one changes",
          "[alerts][unit]") {
    alerts::Alert a;
    a.labels = labels("acme");
    a.annotations = {{"summary", "acme is down"}, {"runbook_url", "https://runbooks/x"}};
    a.ack = alerts::Ack{"alice", "on it", at(5)};
    // The engine, the notifier, the group and the alert log each hold a copy: one block each.
    const alerts::Alert b = a;
    CHECK(&a.labels.pairs() == &b.labels.pairs());
    CHECK(&a.annotations.entries() == &b.annotations.entries());
    CHECK(&*a.ack == &*b.ack);

    a.annotations["summary"] = "acme is back";
    CHECK(&a.annotations.entries() != &b.annotations.entries());
    CHECK(b.annotations.at("summary") == "acme is down");
    CHECK(a.annotations.at("runbook_url") == "https://runbooks/x");
    CHECK_FALSE(a.annotations.emplace("summary", "ignored"));
    CHECK(a.annotations.at("summary") == "acme is back");

    alerts::Alert c = b;
    c.annotations.erase("runbook_url");
    c.annotations.erase_if([](const auto& kv) { return kv.first == "nothing"; });
    CHECK(c.annotations.size() == 1);
    CHECK(b.annotations.size() == 2);
    CHECK_THROWS_AS(c.annotations.at("runbook_url"), std::out_of_range);

    // Kept in name order; of equal names the first wins, as in a std::map.
    const alerts::Annotations d{{"b", "2"}, {"a", "1"}, {"b", "ignored"}};
    CHECK(d.size() == 2);
    CHECK(d.begin()->first == "a");
    CHECK(d.at("b") == "2");
    CHECK(d.find("c") == d.end());

    // Acks compare by value; an empty slot equals only an empty slot.
    CHECK(a.ack == alerts::AckSlot(alerts::Ack{"alice", "on it", at(5)}));
    c.ack.reset();
    CHECK_FALSE(c.ack);
    CHECK_FALSE(c.ack == b.ack);
    CHECK(c.ack == alerts::AckSlot{});
}

TEST_CASE("AlertEngine: firing() views its own set, kept in start order as alerts come and go",
          "[alerts][unit]") {
    alerts::AlertEngine engine{nullptr};
    engine.update(AlertInput{labels("acme"), {}, true, at(30)});
    engine.update(AlertInput{labels("zeta"), {}, true, at(10)});
    engine.update(AlertInput{labels("beta"), {}, true, at(20)});
    alerts::Alert restored;
    restored.labels = labels("gamma");
    restored.state = AlertState::firing;
    restored.starts_at = at(15);
    engine.restore({restored});
    engine.update(AlertInput{labels("beta"), {}, false, at(40)});
    // An alert restored again with another start moves to its new place.
    restored.labels = labels("acme");
    restored.starts_at = at(5);
    engine.restore({restored});

    std::vector<std::string> order;
    for (const auto& a : engine.firing()) order.emplace_back(*a.labels.get("provider"));
    CHECK(order == std::vector<std::string>{"acme", "zeta", "gamma"});
    CHECK(engine.firing().size() == 3);

    // A view of the alerts the engine holds, not a copy: two reads yield the same objects.
    const auto first = engine.firing();
    const auto second = engine.firing();
    CHECK(&*first.begin() == &*second.begin());
    CHECK(engine.is_firing(first.begin()->fingerprint()));
}

TEST_CASE("AlertsView: a vector of alerts is viewed in its own order", "[alerts][unit]") {
    std::vector<alerts::Alert> v(2);
    v[0].labels = labels("b");
    v[1].labels = labels("a");
    const alerts::AlertsView view = v;
    REQUIRE(view.size() == 2);
    CHECK(&*view.begin() == &v[0]);
    CHECK(std::next(view.begin())->labels.get("provider") == "a");
    CHECK(alerts::AlertsView{}.empty());
}
