#include <catch2/catch.hpp>

#include "noctua/detect/balance.hpp"
#include "noctua/detect/success_ratio.hpp"
#include "noctua/streams/windows.hpp"
#include "stream_samples.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kT0{std::chrono::seconds(1704067200)};  // 2024-01-01T00:00:00Z

/// Stream windows (by default one set: provider) whose closed buckets go through
/// to_detector_sample() into one detector, as the daemon and `noctua replay --events` wire them.
struct Wiring {
    explicit Wiring(
        detect::Detector& d,
        std::vector<config::DimensionSetConfig> sets = {{"provider", {"provider"}, 100, false}})
        : detector(d) {
        config::WindowsConfig c;
        c.allowed_lateness = 0s;
        c.sets = std::move(sets);
        windows = std::make_unique<streams::WindowStore>(
            c, nullptr, [this](std::vector<core::Sample>&& ss) {
                for (const auto& s : ss) {
                    auto m = daemon::to_detector_sample(s);
                    if (!m || !detector.consumes(m->first)) continue;
                    if (m->first == detect::Measure::insufficient_balance)
                        fed_balance_errors += s.value;
                    detector.observe(m->first, m->second, {}, signals);
                }
            });
    }
    /// `n` transactions of `status`/`code` spread over minute `m`, each with the next of
    /// `countries`, `operators` and `customers` in turn.
    void minute(int m, int n, streams::TxStatus status, std::string_view code = {}) {
        static constexpr const char* kCountries[] = {"KE", "NG", "GH"};
        static constexpr const char* kOperators[] = {"Safaricom", "MTN", "Airtel", "Glo"};
        static constexpr const char* kCustomers[] = {"c-1", "c-2"};
        for (int i = 0; i < n; ++i) {
            streams::TxEvent e;
            e.id = "tx" + std::to_string(next_id++);
            e.ts = kT0 + std::chrono::minutes(m) + std::chrono::milliseconds(i * 60'000 / n);
            e.provider = "acme";
            e.country = kCountries[i % 3];
            e.operator_name = kOperators[i % 4];
            e.customer = kCustomers[i % 2];
            e.status = status;
            e.error_code = code;
            REQUIRE(windows->add(e) == streams::AddOutcome::applied);
        }
    }
    void close_until(int m) { windows->advance(kT0 + std::chrono::minutes(m)); }
    [[nodiscard]] int firing() const {
        int n = 0;
        for (const auto& s : signals) n += s.active ? 1 : -1;
        return n;
    }

    detect::Detector& detector;
    std::unique_ptr<streams::WindowStore> windows;
    std::vector<detect::Signal> signals;
    double fed_balance_errors = 0;
    int next_id = 0;
};

}  // namespace

TEST_CASE("stream samples: customer errors never page as a provider outage", "[daemon][unit]") {
    detect::SuccessRatioDetector d{detect::default_rule(detect::Measure::success_ratio)};
    Wiring w(d);
    // Half of all transactions fail on the customer's side (bad numbers, recharged): a raw
    // success ratio of 50% for 20 minutes, yet the provider did its job.
    for (int m = 0; m < 20; ++m) {
        w.minute(m, 30, streams::TxStatus::success);
        w.minute(m, 20, streams::TxStatus::failed, "INVALID_RECIPIENT_PHONE");
        w.minute(m, 10, streams::TxStatus::failed, "PHONE_RECENTLY_RECHARGED");
    }
    w.close_until(21);
    CHECK(w.signals.empty());

    SECTION("while provider faults do") {
        for (int m = 21; m < 30; ++m) {
            w.minute(m, 30, streams::TxStatus::success);
            w.minute(m, 30, streams::TxStatus::failed,
                     "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT");
        }
        w.close_until(31);
        REQUIRE(w.firing() == 1);
        CHECK(w.signals.front().labels.get("provider") == "acme");
    }
}

TEST_CASE("stream samples: a burst of insufficient balance fires the balance rule at once",
          "[daemon][unit]") {
    detect::BalanceDetector d{detect::default_rule(detect::Measure::balance)};
    Wiring w(d);
    for (int m = 0; m < 5; ++m) w.minute(m, 40, streams::TxStatus::success);
    w.close_until(5);
    CHECK(w.signals.empty());
    // Any code classified as insufficient balance counts, whatever its rank among the codes.
    w.minute(5, 40, streams::TxStatus::success);
    for (auto code : {"E1", "E2", "E3", "E4"}) w.minute(5, 10, streams::TxStatus::failed, code);
    w.minute(5, 3, streams::TxStatus::failed, "INSUFFICIENT_BALANCE");
    w.minute(5, 3, streams::TxStatus::failed, "insufficient_funds");
    w.close_until(6);  // the bucket closes: the burst is seen on the first sample
    CHECK(w.fed_balance_errors == 6);
    REQUIRE(w.firing() == 1);
    CHECK(w.signals.front().at == kT0 + 6min);
    CHECK(w.signals.front().labels.get("reason") == "insufficient_balance_errors");
}

TEST_CASE("stream samples: a p95 needs enough latencies behind it, and comes in seconds",
          "[daemon][unit]") {
    core::Labels l{{"provider", "acme"}, {"metric", "latency_p95"}, {"set", "provider"}};
    CHECK_FALSE(daemon::to_detector_sample(core::Sample{l, kT0, 2125.0, 5}));
    auto m = daemon::to_detector_sample(core::Sample{l, kT0, 2125.0, 40});
    REQUIRE(m);
    CHECK(m->first == detect::Measure::latency);
    CHECK(m->second.value == Approx(2.125));
    // Error counts by code are for dashboards, not detectors: the class count is what counts.
    core::Labels e{
        {"provider", "acme"}, {"metric", "errors"}, {"error_code", "INSUFFICIENT_BALANCE"}};
    CHECK_FALSE(daemon::to_detector_sample(core::Sample{e, kT0, 3.0}));
}

TEST_CASE("stream samples: only the provider and customer sets feed the balance burst check",
          "[daemon][unit]") {
    auto mapped = [](core::Labels l) {
        l.set("metric", "insufficient_balance");
        auto m = daemon::to_detector_sample(core::Sample{l, kT0, 7.0});
        return m && m->first == detect::Measure::insufficient_balance && m->second.value == 7.0;
    };
    CHECK(mapped({{"provider", "acme"}, {"set", "provider"}}));
    CHECK(mapped({{"customer", "c-42"}, {"set", "wallets"}}));  // whatever the set's name
    CHECK_FALSE(mapped({{"provider", "acme"}, {"country", "KE"}, {"set", "provider_country"}}));
    CHECK_FALSE(mapped({{"provider", "acme"}, {"operator", "MTN"}, {"set", "provider"}}));
    CHECK_FALSE(mapped({{"customer", "c-42"}, {"provider", "acme"}, {"set", "c"}}));
    CHECK_FALSE(mapped({{"country", "KE"}, {"set", "country"}}));
}

TEST_CASE("stream samples: reported balances go to the balance rule per float, amounts to "
          "traffic_loss",
          "[daemon][unit]") {
    auto measure = [](core::Labels l, std::string_view metric) -> std::optional<detect::Measure> {
        l.set("metric", metric);
        auto m = daemon::to_detector_sample(core::Sample{l, kT0, 5000.0});
        if (!m) return std::nullopt;
        return m->first;
    };
    CHECK(measure({{"provider", "acme"}, {"set", "provider"}}, "balance") ==
          detect::Measure::balance);
    CHECK_FALSE(measure({{"provider", "acme"}, {"country", "KE"}, {"set", "provider_country"}},
                        "balance"));
    // A customer's events name whichever provider served them: not the customer's wallet.
    CHECK_FALSE(measure({{"customer", "c-42"}, {"set", "wallets"}}, "balance"));
    CHECK(measure({{"provider", "acme"}, {"country", "KE"}, {"set", "provider_country"}},
                  "amount") == detect::Measure::amount);
}

TEST_CASE("stream samples: a drained float pages once, not once per series of every set",
          "[daemon][unit]") {
    detect::BalanceDetector d{detect::default_rule(detect::Measure::balance)};
    Wiring w(d, {{"provider", {"provider"}, 100, false},
                 {"provider_country", {"provider", "country"}, 100, false},
                 {"provider_operator", {"provider", "operator"}, 100, false},
                 {"customer", {"customer"}, 100, false}});
    for (int m = 0; m < 5; ++m) w.minute(m, 40, streams::TxStatus::success);
    // The float is empty for 40 minutes; the failing traffic pauses 4 minutes in every 10.
    for (int m = 5; m < 45; ++m) {
        if ((m - 5) % 10 < 6) w.minute(m, 24, streams::TxStatus::failed, "INSUFFICIENT_BALANCE");
    }
    w.close_until(45);
    // One for the float; one per customer wallet the errors hit (the ["customer"] set).
    int provider_alerts = 0;
    int customer_alerts = 0;
    for (const auto& s : w.signals) {
        REQUIRE(s.active);
        CHECK(s.labels.get("reason") == "insufficient_balance_errors");
        CHECK_FALSE(s.labels.contains("country"));
        CHECK_FALSE(s.labels.contains("operator"));
        if (s.labels.get("provider") == "acme") ++provider_alerts;
        if (s.labels.contains("customer")) ++customer_alerts;
    }
    CHECK(provider_alerts == 1);
    CHECK(customer_alerts == 2);
    CHECK(w.signals.size() == 3);
    // Topped up: the traffic succeeds again and the alerts resolve after the quiet hold.
    for (int m = 45; m < 65; ++m) w.minute(m, 40, streams::TxStatus::success);
    w.close_until(65);
    std::vector<detect::Signal> out;
    d.advance(kT0 + 65min, out);
    for (auto& s : out) w.signals.push_back(s);
    CHECK(w.firing() == 0);
}
