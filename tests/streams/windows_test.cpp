#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include "noctua/streams/metrics.hpp"
#include "noctua/streams/windows.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kT0 = *parse_rfc3339("2024-05-01T10:00:00Z");

config::WindowsConfig windows_config() {
    config::WindowsConfig c;
    c.bucket = 1min;
    c.recent = 10min;
    c.history_bucket = 1h;
    c.retention = 2h;
    c.allowed_lateness = 30s;
    c.dedup_horizon = 10min;
    c.sets = {{"provider", {"provider"}, 3, false},
              {"provider_country", {"provider", "country"}, 100, true}};
    return c;
}

TxEvent event(std::string id, core::TimePoint ts, std::string provider, TxStatus status,
              std::string country = "ES") {
    TxEvent e;
    e.id = std::move(id);
    e.ts = ts;
    e.provider = std::move(provider);
    e.status = status;
    e.country = std::move(country);
    return e;
}

/// A failed transaction `id` of provider acme in Spain at `ts`, with `error_code`.
TxEvent failure(std::string id, core::TimePoint ts, std::string error_code) {
    auto e = event(std::move(id), ts, "acme", TxStatus::failed);
    e.error_code = std::move(error_code);
    return e;
}

/// Samples collected from the sink.
struct Sink {
    std::vector<core::Sample> samples;
    WindowStore::SampleSink fn() {
        return [this](std::vector<core::Sample>&& s) {
            samples.insert(samples.end(), s.begin(), s.end());
        };
    }
    std::optional<double> value(std::string_view metric, std::string_view provider,
                                core::TimePoint time, std::string_view set = "provider") const {
        for (const auto& s : samples) {
            if (s.labels.get("metric") == metric && s.labels.get("provider") == provider &&
                s.labels.get("set") == set && s.time == time) {
                return s.value;
            }
        }
        return std::nullopt;
    }
};

}  // namespace

TEST_CASE("WindowStore: counts, success ratio, quantiles and error codes per bucket",
          "[streams][unit]") {
    Sink sink;
    WindowStore w(windows_config(), nullptr, sink.fn());
    for (int i = 0; i < 8; ++i) {
        auto e = event("s" + std::to_string(i), kT0 + std::chrono::seconds(i), "acme", TxStatus::success);
        e.has_latency = true;
        e.latency_ms = 100.0 + i;  // all in the (50, 100] and (100, 250] buckets
        e.has_amount = true;
        e.amount = 2.5;
        CHECK(w.add(e) == AddOutcome::applied);
    }
    auto f = failure("f1", kT0 + 10s, "INSUFFICIENT_BALANCE");
    CHECK(w.add(f) == AddOutcome::applied);
    f.id = "f2";
    CHECK(w.add(f) == AddOutcome::applied);
    CHECK(w.add(event("p1", kT0 + 20s, "acme", TxStatus::pending)) == AddOutcome::applied);

    const Bucket* b = w.find("provider", core::Labels{{"provider", "acme"}}, kT0);
    REQUIRE(b != nullptr);
    CHECK(b->total() == 11);
    CHECK(b->count(TxStatus::success) == 8);
    // Insufficient balance is not the provider's failure, pending is not done yet.
    CHECK(b->success_ratio() == Approx(1.0));
    CHECK(b->judged() == 8);
    CHECK(b->count(core::ErrorClass::insufficient_balance) == 2);
    CHECK(b->amount_sum == Approx(20.0));
    CHECK(b->latency_count() == 8);
    // 100 is in (50,100]; 101..107 in (100,250]: rank 4 is 3/7 into the second bucket.
    CHECK(*b->latency_quantile(0.5) == Approx(100.0 + 150.0 * 3 / 7));
    CHECK(w.error_code(b->error_ids[0]) == "INSUFFICIENT_BALANCE");
    CHECK(b->error_counts[0] == 2);
    const Bucket* h = w.find("provider", core::Labels{{"provider", "acme"}}, kT0, true);
    REQUIRE(h != nullptr);
    CHECK(h->total() == 11);

    // The bucket closes once the watermark (now - lateness) passes its end.
    w.advance(kT0 + 1min + 29s);
    CHECK(sink.samples.empty());
    w.advance(kT0 + 1min + 30s);
    const auto end = kT0 + 1min;
    CHECK(sink.value("volume", "acme", end) == 11);
    CHECK(sink.value("success_ratio", "acme", end) == Approx(1.0));
    CHECK(sink.value("insufficient_balance", "acme", end) == 2);
    CHECK(sink.value("latency_p50", "acme", end) == Approx(100.0 + 150.0 * 3 / 7));
    CHECK(sink.value("volume", "acme", end, "provider_country") == 11);
    bool error_sample = false;
    for (const auto& s : sink.samples) {
        if (s.labels.get("metric") == "errors" && s.labels.get("set") == "provider") {
            CHECK(s.labels.get("error_code") == "INSUFFICIENT_BALANCE");
            CHECK(s.value == 2);
            error_sample = true;
        }
    }
    CHECK(error_sample);

    // A quiet minute still yields volume 0: traffic loss must be visible.
    sink.samples.clear();
    w.advance(kT0 + 2min + 30s);
    CHECK(sink.value("volume", "acme", kT0 + 2min) == 0);
    CHECK_FALSE(sink.value("success_ratio", "acme", kT0 + 2min));
}

TEST_CASE("WindowStore: late, out-of-order and duplicate events", "[streams][unit]") {
    Sink sink;
    WindowStore w(windows_config(), nullptr, sink.fn());
    w.advance(kT0);  // watermark at 09:59
    CHECK(w.watermark() == kT0 - 1min);
    CHECK(w.add(event("a", kT0 + 50s, "acme", TxStatus::success)) == AddOutcome::applied);
    // Out of order but within allowed lateness: its bucket is still open.
    CHECK(w.add(event("b", kT0 - 20s, "acme", TxStatus::success)) == AddOutcome::applied);
    // Before the watermark: late, dropped.
    CHECK(w.add(event("c", kT0 - 2min, "acme", TxStatus::success)) == AddOutcome::late);
    // Same id again (even with another timestamp): duplicate.
    CHECK(w.add(event("a", kT0 + 55s, "acme", TxStatus::failed)) == AddOutcome::duplicate);
    const Bucket* b = w.find("provider", core::Labels{{"provider", "acme"}}, kT0);
    REQUIRE(b != nullptr);
    CHECK(b->total() == 1);
    const Bucket* prev = w.find("provider", core::Labels{{"provider", "acme"}}, kT0 - 20s);
    REQUIRE(prev != nullptr);
    CHECK(prev->total() == 1);

    // The id is forgotten after the horizon (two generations).
    CHECK(w.add(event("x", kT0 + 11min, "acme", TxStatus::success)) == AddOutcome::applied);
    CHECK(w.add(event("y", kT0 + 22min, "acme", TxStatus::success)) == AddOutcome::applied);
    CHECK(w.add(event("a", kT0 + 23min, "acme", TxStatus::success)) == AddOutcome::applied);
}

TEST_CASE("WindowStore: a set over max_series counts new series in __other__",
          "[streams][unit]") {
    prometheus::Registry registry;
    StreamMetrics metrics(registry);
    WindowStore w(windows_config(), &metrics, nullptr);
    for (int i = 0; i < 5; ++i) {
        CHECK(w.add(event("e" + std::to_string(i), kT0, "p" + std::to_string(i), TxStatus::success)) ==
              AddOutcome::applied);
    }
    CHECK(w.add(event("e9", kT0, "p4", TxStatus::failed)) == AddOutcome::applied);
    CHECK(w.series_count("provider") == 4);  // 3 + __other__
    CHECK(w.series_count("provider_country") == 5);
    const Bucket* other = w.find("provider", core::Labels{{"provider", "__other__"}}, kT0);
    REQUIRE(other != nullptr);
    CHECK(other->total() == 3);
    CHECK(metrics.overflow.Add({{"set", "provider"}}).Value() == 3);
    CHECK(metrics.series.Add({{"set", "provider"}}).Value() == 4);
    CHECK(metrics.transactions.Add({{"provider", "p4"}, {"status", "failed"}}).Value() == 1);
    CHECK(metrics.window_transactions
              .Add({{"set", "provider_country"}, {"provider", "p4"}, {"country", "ES"},
                    {"status", "success"}})
              .Value() == 1);
}

TEST_CASE("WindowStore: old buckets and idle series are evicted", "[streams][unit]") {
    WindowStore w(windows_config(), nullptr, nullptr);
    CHECK(w.add(event("a", kT0, "acme", TxStatus::success)) == AddOutcome::applied);
    w.advance(kT0 + 30min);
    CHECK(w.find("provider", core::Labels{{"provider", "acme"}}, kT0) == nullptr);  // > recent
    CHECK(w.find("provider", core::Labels{{"provider", "acme"}}, kT0, true) != nullptr);
    CHECK(w.series_count("provider") == 1);
    w.advance(kT0 + 4h);  // > retention: the series goes
    CHECK(w.series_count("provider") == 0);
}

TEST_CASE("WindowStore: a snapshot restores series, buckets and the watermark",
          "[streams][unit]") {
    WindowStore a(windows_config(), nullptr, nullptr);
    CHECK(a.add(failure("f", kT0 + 5s, "E42")) == AddOutcome::applied);
    CHECK(a.add(event("s", kT0 + 6s, "globex", TxStatus::success, "MX")) == AddOutcome::applied);
    a.advance(kT0 + 40s);
    const std::string image = a.snapshot();

    Sink sink;
    WindowStore b(windows_config(), nullptr, sink.fn());
    REQUIRE(b.restore(image).has_value());
    CHECK(b.watermark() == a.watermark());
    const Bucket* bucket = b.find("provider_country", core::Labels{{"provider", "acme"}, {"country", "ES"}}, kT0);
    REQUIRE(bucket != nullptr);
    CHECK(bucket->count(TxStatus::failed) == 1);
    CHECK(b.error_code(bucket->error_ids[0]) == "E42");
    CHECK(b.series_count("provider") == 2);
    b.advance(kT0 + 1min + 30s);
    CHECK(sink.value("volume", "globex", kT0 + 1min) == 1);

    SECTION("corrupt images leave the state untouched") {
        CHECK_FALSE(b.restore("garbage").has_value());
        CHECK_FALSE(b.restore(image.substr(0, image.size() - 3)).has_value());
        CHECK(b.series_count("provider") == 2);
    }
    SECTION("a set whose dimensions changed is skipped") {
        auto c = windows_config();
        c.sets[1].by = {"provider", "operator"};
        WindowStore d(c, nullptr, nullptr);
        REQUIRE(d.restore(image).has_value());
        CHECK(d.series_count("provider") == 2);
        CHECK(d.series_count("provider_country") == 0);
    }
}

TEST_CASE("WindowStore: failures are counted by class at ingest", "[streams][unit]") {
    Sink sink;
    WindowStore w(windows_config(), nullptr, sink.fn());
    int n = 0;
    auto add = [&](TxStatus status, std::string code, int count, core::TimePoint at = kT0) {
        for (int i = 0; i < count; ++i) {
            ++n;
            auto e = event("e" + std::to_string(n), at + std::chrono::seconds(n % 50), "acme",
                           status);
            e.error_code = code;
            REQUIRE(w.add(e) == AddOutcome::applied);
        }
    };
    add(TxStatus::success, "", 60);
    add(TxStatus::failed, "INVALID_RECIPIENT_PHONE", 30);     // customer
    add(TxStatus::failed, "phone_recently_recharged", 5);     // customer, any case
    add(TxStatus::failed, "INSUFFICIENT_FUNDS", 4);           // balance
    add(TxStatus::failed, "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT", 10);  // provider
    add(TxStatus::timeout, "", 3);                            // provider
    add(TxStatus::refunded, "TOPUP_TRANSACTION_FAILED", 2);   // provider
    add(TxStatus::pending, "", 7);                            // not done

    const Bucket* b = w.find("provider", core::Labels{{"provider", "acme"}}, kT0);
    REQUIRE(b != nullptr);
    CHECK(b->total() == 121);
    CHECK(b->count(core::ErrorClass::success) == 60);
    CHECK(b->count(core::ErrorClass::customer_error) == 35);
    CHECK(b->count(core::ErrorClass::insufficient_balance) == 4);
    CHECK(b->count(core::ErrorClass::provider_fault) == 15);
    CHECK(b->judged() == 75);
    CHECK(*b->success_ratio() == Approx(60.0 / 75));
    const Bucket* h = w.find("provider", core::Labels{{"provider", "acme"}}, kT0, true);
    REQUIRE(h != nullptr);
    CHECK(h->by_class == b->by_class);

    w.advance(kT0 + 2min);
    CHECK(sink.value("success_ratio", "acme", kT0 + 1min) == Approx(0.8));
    CHECK(sink.value("insufficient_balance", "acme", kT0 + 1min) == 4);
    for (const auto& s : sink.samples) {
        if (s.labels.get("metric") == "success_ratio") CHECK(s.weight == 75);
    }
    // A bucket of customer errors alone has no success ratio at all.
    sink.samples.clear();
    add(TxStatus::failed, "INVALID_RECIPIENT_PHONE", 3, kT0 + 2min);
    add(TxStatus::failed, "INVALID_AMOUNT", 1, kT0 + 2min);
    w.advance(kT0 + 4min);
    CHECK(sink.value("volume", "acme", kT0 + 3min) == 4);
    CHECK_FALSE(sink.value("success_ratio", "acme", kT0 + 3min));
    // Compact: memory per series-bucket stays far under 1 KiB.
    CHECK(sizeof(Bucket) <= 136);
}

TEST_CASE("WindowStore: class counts survive a snapshot; a v1 image is converted",
          "[streams][unit]") {
    WindowStore a(windows_config(), nullptr, nullptr);
    REQUIRE(a.add(failure("f", kT0 + 5s, "INVALID_RECIPIENT_PHONE")) == AddOutcome::applied);
    REQUIRE(a.add(event("s", kT0 + 6s, "acme", TxStatus::success)) == AddOutcome::applied);
    WindowStore b(windows_config(), nullptr, nullptr);
    REQUIRE(b.restore(a.snapshot()).has_value());
    const Bucket* got = b.find("provider", core::Labels{{"provider", "acme"}}, kT0);
    REQUIRE(got != nullptr);
    CHECK(got->count(core::ErrorClass::customer_error) == 1);
    CHECK(got->count(core::ErrorClass::success) == 1);

    // Format v1 (before by_class), written field by field as that build did.
    std::string v1 = "NWS1";
    auto put = [&](const auto& v) { v1.append(reinterpret_cast<const char*>(&v), sizeof v); };
    auto str = [&](std::string_view text) {
        put(static_cast<std::uint32_t>(text.size()));
        v1.append(text);
    };
    struct OldBucket {
        std::int64_t start_ms;
        std::array<std::uint32_t, kStatusCount> by_status;
        std::array<std::uint32_t, kLatencyBoundsMs.size() + 1> latency;
        double latency_sum_ms;
        double amount_sum;
        std::array<std::uint16_t, kTopErrorCodes> error_ids;
        std::array<std::uint32_t, kTopErrorCodes> error_counts;
        std::uint32_t other_errors;
    };
    put(static_cast<std::uint32_t>(sizeof(OldBucket)));
    put(std::int64_t{60'000});       // bucket
    put(std::int64_t{3'600'000});    // history bucket
    put(kT0.time_since_epoch().count() - 60'000);  // watermark
    put(std::uint32_t{4});
    for (auto code : {"", "__other__", "INVALID_RECIPIENT_PHONE", "INSUFFICIENT_BALANCE"}) {
        str(code);
    }
    put(std::uint32_t{1});
    str("provider");
    put(std::uint32_t{1});
    str("provider");
    put(std::uint32_t{1});
    str("acme\x1f");
    put(std::uint32_t{1});
    str("provider");
    str("acme");
    put(kT0.time_since_epoch().count());
    OldBucket old{};
    old.start_ms = kT0.time_since_epoch().count();
    old.by_status = {50, 17, 1, 2, 0};  // success, failed, pending, timeout, refunded
    old.error_ids = {2, 3, 0, 0};
    old.error_counts = {9, 3, 0, 0};
    old.other_errors = 0;
    put(std::uint32_t{1});
    put(old);
    put(std::uint32_t{0});

    WindowStore c(windows_config(), nullptr, nullptr);
    REQUIRE(c.restore(v1).has_value());
    const Bucket* up = c.find("provider", core::Labels{{"provider", "acme"}}, kT0);
    REQUIRE(up != nullptr);
    CHECK(up->count(TxStatus::success) == 50);
    CHECK(up->count(core::ErrorClass::success) == 50);
    CHECK(up->count(core::ErrorClass::customer_error) == 9);
    CHECK(up->count(core::ErrorClass::insufficient_balance) == 3);
    CHECK(up->count(core::ErrorClass::provider_fault) == 7);  // 17 + 2 - 9 - 3
    CHECK(c.error_code(up->error_ids[0]) == "INVALID_RECIPIENT_PHONE");
    // v2 only from here on.
    CHECK(c.snapshot().starts_with("NWS2"));
}

TEST_CASE("WindowStore: events find their series again after evictions and a restore",
          "[streams][unit]") {
    auto cfg = windows_config();
    cfg.sets = {{"provider_country", {"provider", "country"}, 1000, false}};
    WindowStore w(cfg, nullptr, nullptr);
    // Many series, so that the index grows; values that need care (empty, the key separator).
    for (int i = 0; i < 200; ++i) {
        REQUIRE(w.add(event("a" + std::to_string(i), kT0, "p" + std::to_string(i),
                            TxStatus::success)) == AddOutcome::applied);
    }
    const std::string odd = std::string("x\x1fy");
    REQUIRE(w.add(event("odd-1", kT0, odd, TxStatus::success, "")) == AddOutcome::applied);
    REQUIRE(w.add(event("odd-2", kT0, odd, TxStatus::failed, "")) == AddOutcome::applied);
    CHECK(w.series_count("provider_country") == 201);
    const Bucket* b = w.find("provider_country", {{"provider", odd}, {"country", ""}}, kT0);
    REQUIRE(b != nullptr);
    CHECK(b->total() == 2);

    // Evict all but the series that keep getting events, then add to the survivors.
    REQUIRE(w.add(event("b-keep", kT0 + 3h + 20min, "p7", TxStatus::success)) ==
            AddOutcome::applied);
    w.advance(kT0 + 3h + 30min);  // past `recent` and `retention` for everything at kT0
    CHECK(w.series_count("provider_country") == 1);
    const core::TimePoint later = kT0 + 3h + 40min;
    REQUIRE(w.add(event("c-keep", later, "p7", TxStatus::success)) == AddOutcome::applied);
    REQUIRE(w.add(event("c-new", later, "p8", TxStatus::success)) == AddOutcome::applied);
    CHECK(w.series_count("provider_country") == 2);
    CHECK(w.find("provider_country", {{"provider", "p7"}, {"country", "ES"}}, later, true)->total() ==
          2);

    // A restored store puts events into the restored series, not into new ones.
    WindowStore r(cfg, nullptr, nullptr);
    REQUIRE(r.restore(w.snapshot()).has_value());
    REQUIRE(r.add(event("d-keep", later + 1min, "p7", TxStatus::success)) == AddOutcome::applied);
    CHECK(r.series_count("provider_country") == 2);
    CHECK(r.find("provider_country", {{"provider", "p7"}, {"country", "ES"}}, later, true)->total() ==
          3);
}

TEST_CASE("WindowStore: amounts with their currency, and the latest balance an event reported",
          "[streams][unit]") {
    Sink sink;
    WindowStore w(windows_config(), nullptr, sink.fn());
    for (int i = 0; i < 3; ++i) {
        auto e = event("a" + std::to_string(i), kT0 + std::chrono::seconds(10 * i), "giftly",
                       TxStatus::success);
        e.has_amount = true;
        e.amount = 25;
        e.currency = "USD";
        e.has_balance = true;
        e.balance = 1000.0 - 25 * (i + 1);
        CHECK(w.add(e) == AddOutcome::applied);
    }
    // An event that arrives late within the bucket does not roll the balance back.
    auto early = event("a-early", kT0 + 5s, "giftly", TxStatus::success);
    early.has_balance = true;
    early.balance = 990;
    CHECK(w.add(early) == AddOutcome::applied);
    w.advance(kT0 + 1min + 30s);
    const auto end = kT0 + 1min;
    CHECK(sink.value("amount", "giftly", end) == Approx(75));
    CHECK(sink.value("balance", "giftly", end) == Approx(925));
    bool labelled = false;
    for (const auto& s : sink.samples) {
        if (s.labels.get("metric") != "amount") continue;
        labelled = s.labels.get("currency") == "USD" && s.weight == 4;
    }
    CHECK(labelled);
    // A bucket without a reported balance emits none.
    CHECK(w.add(event("b", kT0 + 70s, "giftly", TxStatus::success)) == AddOutcome::applied);
    w.advance(kT0 + 2min + 30s);
    CHECK_FALSE(sink.value("balance", "giftly", kT0 + 2min));
}

TEST_CASE("WindowStore: a bucket's balance is its own though later buckets report before it closes",
          "[streams][unit]") {
    Sink sink;
    WindowStore w(windows_config(), nullptr, sink.fn());  // allowed lateness 30 s
    auto report = [&](std::string id, core::TimePoint at, double balance) {
        auto e = event(std::move(id), at, "giftly", TxStatus::success);
        e.has_balance = true;
        e.balance = balance;
        REQUIRE(w.add(e) == AddOutcome::applied);
    };
    // A busy float: the next bucket's events arrive while a bucket waits out the lateness.
    report("a", kT0 + 50s, 900);
    report("b", kT0 + 1min + 10s, 800);
    report("a-late", kT0 + 40s, 950);  // an older reading of the first bucket, late
    w.advance(kT0 + 1min + 30s);
    CHECK(sink.value("balance", "giftly", kT0 + 1min) == 900);
    report("c", kT0 + 2min + 5s, 700);
    w.advance(kT0 + 2min + 30s);
    CHECK(sink.value("balance", "giftly", kT0 + 2min) == 800);
    w.advance(kT0 + 3min + 30s);
    CHECK(sink.value("balance", "giftly", kT0 + 3min) == 700);
    // A pause and a reading after it: each bucket still gets only its own.
    report("d", kT0 + 9min + 5s, 600);
    w.advance(kT0 + 10min + 30s);
    CHECK_FALSE(sink.value("balance", "giftly", kT0 + 4min));
    CHECK(sink.value("balance", "giftly", kT0 + 10min) == 600);
}
