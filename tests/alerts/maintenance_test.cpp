// Providers' recurring maintenance windows (`[[providers.maintenance]]`) in the Notifier, on a
// manual clock: 1970-01-01 is a Thursday.
#include <catch2/catch.hpp>

#include "alert_fixtures.hpp"
#include "noctua/alerts/notifier.hpp"
#include "noctua/testing/config_fixtures.hpp"

using namespace noctua;
using namespace noctua::testing::alert_names;

namespace {

/// The time interval "nights": 03:00 to 04:00 every day.
constexpr std::string_view kNights = R"([[time_intervals]]
name = "nights"
[[time_intervals.periods]]
times = ["03:00-04:00"]
)";

config::Config maintenance_config() {
    return testing::load_config(R"(
[[providers]]
id = "acme"
  [[providers.maintenance]]
  weekdays = ["thursday"]
  times = ["01:00-02:00"]
  location = "UTC"
  comment = "weekly switch upgrade"
[[providers]]
id = "beta"
  [[providers.maintenance]]
  time_intervals = ["nights"]
)" + std::string(kNights) + testing::log_receivers({"noc"}) +
                                R"([route]
receiver = "noc"
group_by = ["provider"]
group_wait = "0s"
group_interval = "5m"
)");
}

Alert alert(std::string provider, AlertState state, core::TimePoint t) {
    return testing::make_alert("ProviderDown", std::move(provider), state, t, t);
}

using testing::flush;

}  // namespace

TEST_CASE("maintenance: a provider's window mutes its alerts, and only its", "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(maintenance_config());
    n.update(alert("acme", AlertState::firing, at(3600s + 600s)), at(3600s + 600s));  // 01:10
    n.update(alert("beta", AlertState::firing, at(3600s + 600s)), at(3600s + 600s));
    auto sent = flush(n, at(3600s + 600s));
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].alerts.at(0).labels.get("provider") == "beta");
    const auto reason =
        n.mute_reason(alert("acme", AlertState::firing, {}).labels, nullptr, at(3600s + 600s));
    CHECK(reason.kind == alerts::MuteReason::Kind::maintenance);
    CHECK(reason.detail == "acme");
    // 02:00 the window ends: the still-firing alert pages at the next group interval.
    CHECK(flush(n, at(7000s)).empty());
    auto after = flush(n, at(7200s + 300s));
    REQUIRE(after.size() == 1);
    CHECK(after[0].alerts.at(0).labels.get("provider") == "acme");
    // Next Thursday's window too (a week later), not Friday's.
    CHECK(n.in_maintenance(alert("acme", AlertState::firing, {}).labels, at(7 * 86400s + 3700s)));
    CHECK_FALSE(n.in_maintenance(alert("acme", AlertState::firing, {}).labels, at(86400s + 3700s)));
}

TEST_CASE("maintenance: a page sent before the window still gets its resolve", "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(maintenance_config());
    n.update(alert("acme", AlertState::firing, at(0s)), at(0s));
    REQUIRE(flush(n, at(0s)).size() == 1);
    // Resolves at 01:30, inside the window.
    n.update(alert("acme", AlertState::resolved, at(5400s)), at(5400s));
    auto resolved = flush(n, at(5400s + 300s));
    REQUIRE(resolved.size() == 1);
    CHECK(resolved[0].status() == AlertState::resolved);
}

TEST_CASE("maintenance: an alert that fires and resolves inside the window is never sent",
          "[alerts][unit]") {
    alerts::Notifier n;
    n.configure(maintenance_config());
    n.update(alert("beta", AlertState::firing, at(3h + 60s)), at(3h + 60s));  // 03:01, "nights"
    CHECK(flush(n, at(3h + 60s)).empty());
    n.update(alert("beta", AlertState::resolved, at(3h + 1200s)), at(3h + 1200s));
    CHECK(flush(n, at(3h + 1500s)).empty());
    CHECK(flush(n, at(5h)).empty());
}

TEST_CASE("config: maintenance windows need a period and name existing intervals",
          "[alerts][unit]") {
    const auto errors = testing::error_lines(R"([[providers]]
id = "acme"
  [[providers.maintenance]]
  comment = "always?"
  [[providers.maintenance]]
  time_intervals = ["nightz"]
  [[providers.maintenance]]
  weekdays = ["funday"]
)" + std::string(kNights),
                                             "t.toml");
    REQUIRE(errors.size() == 3);
    CHECK(errors[0] ==
          "t.toml:3:3: providers[0].maintenance[0]: a maintenance window needs "
          "times, weekdays, days_of_month, months or years, or time_intervals "
          "naming [[time_intervals]]");
    CHECK_THAT(errors[1],
               Catch::StartsWith("t.toml:6:20: providers[0].maintenance[1].time_intervals: "
                                 "unknown time interval \"nightz\""));
    CHECK_THAT(errors[2], Catch::StartsWith("t.toml:8:14: providers[0].maintenance[2].weekdays: "));
}
