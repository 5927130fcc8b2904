#include <catch2/catch.hpp>

#include <map>

#include "noctua/sim/generator.hpp"
#include "noctua/sim/scenario.hpp"
#include "noctua/sim/service.hpp"
#include "sim_test_util.hpp"

using namespace noctua;
using namespace noctua::sim;
using namespace noctua::sim::test;
using namespace std::chrono_literals;

namespace {

/// Monday 2024-04-29 00:00:00 UTC.
core::TimePoint monday() { return core::TimePoint{std::chrono::milliseconds{1'714'348'800'000}}; }

FleetSpec utc_fleet(double peak_per_minute = 120) {
    auto f = test_fleet();
    for (auto& p : f.providers) {
        p.utc_offset_minutes = 0;
        p.balance = 1e9;
    }
    f.traffic.peak_per_minute = peak_per_minute;
    return f;
}

std::vector<TxEvent> generate(const FleetSpec& fleet, std::uint64_t seed, core::TimePoint start,
                              core::TimePoint end, const Scenario* scenario = nullptr) {
    core::ManualClock clock{start};
    SimService svc{fleet, clock};
    Generator gen{svc, fleet.traffic, seed, start};
    if (scenario != nullptr) gen.set_timeline(Timeline{*scenario, start});
    std::vector<TxEvent> out;
    while (auto e = gen.next(end)) out.push_back(std::move(*e));
    return out;
}

}  // namespace

TEST_CASE("seasonality: quiet nights, busy Saturday afternoons", "[sim][unit]") {
    const auto sat_15h = monday() + 24h * 5 + 15h;
    const auto tue_3h = monday() + 24h + 3h;
    CHECK(seasonality(sat_15h, 0) > 10 * seasonality(tue_3h, 0));
    CHECK(seasonality(sat_15h, 0) <= kPeakSeasonality);
    // The provider's local time counts: 15:00 UTC is 09:00 in Mexico City (UTC-6).
    CHECK(seasonality(sat_15h, -360) < seasonality(sat_15h, 0));
}

TEST_CASE("Generator: Saturday afternoon volume dwarfs weekday nights", "[sim][unit]") {
    const auto fleet = utc_fleet(30);
    const auto events = generate(fleet, 42, monday(), monday() + 24h * 7);
    std::size_t sat_afternoon = 0, weekday_night = 0;
    for (const auto& e : events) {
        const auto since = e.ts - monday();
        const auto day = since / 24h;
        const auto hour = (since % 24h) / 1h;
        if (day == 5 && hour >= 14 && hour < 18) ++sat_afternoon;
        if (day < 5 && hour >= 2 && hour < 6) ++weekday_night;
    }
    // Per hour: 4 Saturday hours against 20 weekday-night hours.
    const double sat_rate = static_cast<double>(sat_afternoon) / 4;
    const double night_rate = static_cast<double>(weekday_night) / 20;
    INFO("saturday/h=" << sat_rate << " weekday-night/h=" << night_rate);
    CHECK(sat_rate > 8 * night_rate);
    // Expected volume over the week, within 3 %.
    double expected = 0;
    for (auto t = monday(); t < monday() + 24h * 7; t += 1min) expected += 30 / kPeakSeasonality * seasonality(t, 0);
    CHECK(static_cast<double>(events.size()) == Approx(expected).epsilon(0.03));
}

TEST_CASE("Generator: the mix of providers, countries, statuses and codes", "[sim][unit]") {
    const auto fleet = utc_fleet(400);
    const auto events = generate(fleet, 9, monday() + 24h * 2 + 8h, monday() + 24h * 2 + 20h);
    REQUIRE(events.size() > 50'000);
    std::size_t inconsistent = 0;
    std::map<std::string, double> provider, status, country, product;
    std::map<std::string, double> codes;
    for (const auto& e : events) {
        provider[e.provider] += 1;
        status[e.status] += 1;
        if (e.provider == "acme") country[e.country] += 1;
        product[e.product] += 1;
        if (!e.error_code.empty()) codes[e.error_code] += 1;
        const bool ok = (e.status == "success" || e.status == "pending") == e.error_code.empty();
        if (!ok || e.latency_ms <= 0 || e.amount <= 0) ++inconsistent;
    }
    CHECK(inconsistent == 0);
    const auto n = static_cast<double>(events.size());
    CHECK(provider["acme"] / n == Approx(0.5).margin(0.02));  // equal weights
    CHECK(country["ES"] / provider["acme"] == Approx(0.7).margin(0.02));
    CHECK(status["success"] / n == Approx(1 - 0.02 - 0.004 - 0.01 - 0.003).margin(0.01));
    CHECK(status["pending"] / n == Approx(0.01).margin(0.003));
    CHECK(codes["INVALID_RECIPIENT_PHONE"] / provider["acme"] == Approx(0.01).margin(0.003));
    CHECK(codes["INSUFFICIENT_BALANCE"] == 0);
    CHECK(product["giftcard"] == provider["giftly"]);
    CHECK(product["data"] > 0);
    // The customer pool is skewed: the biggest customer has several times the median's traffic.
    std::map<std::string, double> customers;
    for (const auto& e : events) customers[e.customer] += 1;
    CHECK(customers.size() == 40);
    CHECK(customers["cust-0001"] > 5 * customers["cust-0020"]);
}

TEST_CASE("Generator: same seed, same stream; another seed, another stream", "[sim][unit]") {
    const auto fleet = utc_fleet(600);
    const auto start = monday() + 10h;
    auto a = generate(fleet, 1, start, start + 1h);
    auto b = generate(fleet, 1, start, start + 1h);
    auto c = generate(fleet, 2, start, start + 1h);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(to_json(a[i]) == to_json(b[i]));
    CHECK((a.size() != c.size() || to_json(a[0]) != to_json(c[0])));

    // Pulling in small slices gives exactly the same events as one big pull.
    core::ManualClock clock{start};
    SimService svc{fleet, clock};
    Generator gen{svc, fleet.traffic, 1, start};
    std::vector<TxEvent> sliced;
    for (auto t = start + 7s; t <= start + 1h; t += 7s) {
        while (auto e = gen.next(t)) sliced.push_back(std::move(*e));
    }
    while (auto e = gen.next(start + 1h)) sliced.push_back(std::move(*e));
    REQUIRE(sliced.size() == a.size());
    CHECK(to_json(sliced.back()) == to_json(a.back()));
}

TEST_CASE("TxEvent JSON: the ingest shape", "[sim][unit]") {
    TxEvent e;
    e.id = "abc";
    e.ts = t0() + 250ms;
    e.provider = "acme";
    e.status = "failed";
    e.operator_name = "Movistar Spain";
    e.country = "ES";
    e.product = "airtime";
    e.customer = "cust-0001";
    e.error_code = "INVALID_RECIPIENT_PHONE";
    e.latency_ms = 123;
    e.amount = 5.5;
    e.currency = "EUR";
    CHECK(to_json(e) ==
          R"({"id":"abc","ts":"2024-05-01T10:00:00.250Z","provider":"acme","status":"failed","operator":"Movistar Spain","country":"ES","product":"airtime","customer":"cust-0001","error_code":"INVALID_RECIPIENT_PHONE","latency_ms":123,"amount":5.5,"currency":"EUR"})");
    e.status = "success";
    e.error_code.clear();
    CHECK(to_json(e).find("error_code") == std::string::npos);
}

TEST_CASE("Generator: successful transactions burn the provider's balance", "[sim][unit]") {
    auto fleet = utc_fleet(600);
    fleet.providers[0].balance = 200;
    fleet.providers[0].amounts = {10};
    const auto start = monday() + 12h;
    core::ManualClock clock{start};
    SimService svc{fleet, clock};
    Generator gen{svc, fleet.traffic, 3, start};
    std::size_t insufficient = 0;
    double spent = 0;
    for (int i = 0; i < 400; ++i) {
        auto e = gen.next();
        if (e.provider != "acme") continue;
        if (e.error_code == "INSUFFICIENT_BALANCE") ++insufficient;
        if (e.status == "success" || e.status == "pending") spent += e.amount;
    }
    CHECK(spent == Approx(200).margin(10));
    CHECK(svc.find("acme")->balance() < 10);
    CHECK(insufficient > 100);
}
