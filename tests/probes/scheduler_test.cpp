#include <catch2/catch.hpp>

#include <boost/asio/strand.hpp>

#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/scheduler.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/run_until.hpp"
#include "probe_runner.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

config::ProbeConfig probe(std::string id, core::Duration interval = 20ms) {
    probes::HttpOptions http;
    http.url = "http://127.0.0.1:1/x";
    auto c = testing::acme_probe_config(std::move(id), "http", std::move(http));
    c.interval = interval;
    c.timeout = 5s;
    c.jitter = 0ms;
    return c;
}

/// `c` extracting `extract`.
config::ProbeConfig extracting(config::ProbeConfig c, std::vector<probes::ExtractConfig> extract) {
    return testing::with_options<probes::HttpOptions>(
        std::move(c), [&](probes::HttpOptions& o) { o.extract = std::move(extract); });
}

struct Fixture {
    boost::asio::io_context ioc;
    testing::FakeHttpClient http{ioc};
    core::ManualClock clock;
    probes::ProbeRegistry registry;
    prometheus::Registry prom;
    probes::ProbeMetrics metrics{prom};
    boost::asio::strand<boost::asio::io_context::executor_type> strand{ioc.get_executor()};
    std::vector<probes::ProbeResult> results;
    std::unique_ptr<probes::Scheduler> scheduler;

    Fixture() {
        probes::register_builtin_probes(registry);
        scheduler = std::make_unique<probes::Scheduler>(
            strand, registry, probes::ProbeContext{http, clock}, metrics,
            [this](const probes::ProbeResult& r) { results.push_back(r); }, 42);
    }
    std::size_t count(std::string_view id) const {
        return static_cast<std::size_t>(std::count_if(
            results.begin(), results.end(), [&](const auto& r) { return r.probe == id; }));
    }
    double gauge(const std::string& id) {
        auto v = metrics.series.values(id);
        return v ? v->success : -1;
    }
};

using Outcome = probes::Scheduler::RunNow::Outcome;

/// run_now() started a run or queued it for a slot.
bool taken(const probes::Scheduler::RunNow& r) {
    return r.outcome == Outcome::started || r.outcome == Outcome::queued;
}

}  // namespace

TEST_CASE("Scheduler: runs each probe repeatedly on its interval", "[probes][unit]") {
    Fixture f;
    REQUIRE(f.scheduler->apply({probe("a"), probe("b")}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") >= 3 && f.count("b") >= 3; }));
    CHECK(f.gauge("a") == 1);
    auto st = f.scheduler->status();
    REQUIRE(st.size() == 2);
    CHECK(st[0].last.has_value());
    CHECK(st[0].runs >= 3);
}

TEST_CASE("Scheduler: a run still going is skipped, not queued", "[probes][unit]") {
    Fixture f;
    f.http.hold = true;
    REQUIRE(f.scheduler->apply({probe("slow")}).has_value());
    auto skipped = [&] { return f.metrics.skipped.Add({{"probe", "slow"}, {"provider", "acme"}}).Value(); };
    REQUIRE(testing::run_until(f.ioc, [&] { return skipped() >= 3; }));
    // Only one request went out while the first was held.
    CHECK(f.http.request_count() == 1);
    f.http.hold = false;
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("slow") >= 2; }));
}

TEST_CASE("Scheduler: failures feed metrics with their reason", "[probes][unit]") {
    Fixture f;
    f.http.default_response.status = 500;
    REQUIRE(f.scheduler->apply({probe("a")}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") >= 2; }));
    CHECK(f.gauge("a") == 0);
    CHECK(f.metrics.failures.Add({{"probe", "a"}, {"provider", "acme"}, {"reason", "status"}}).Value() >= 2);
    REQUIRE(f.metrics.series.values("a").has_value());
    CHECK(f.metrics.series.values("a")->runs_failure >= 2);
    CHECK(f.metrics.series.values("a")->runs_success == 0);
}

TEST_CASE("Scheduler: apply keeps unchanged probes, restarts changed, drops removed",
          "[probes][unit]") {
    Fixture f;
    REQUIRE(f.scheduler->apply({probe("keep", 1h), probe("gone", 1h), probe("change", 1h)}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() == 3; }));  // first runs

    auto changed = testing::with_options<probes::HttpOptions>(
        probe("change", 1h), [](probes::HttpOptions& o) { o.headers = {{"X-New", "1"}}; });
    REQUIRE(f.scheduler->apply({probe("keep", 1h), changed}).has_value());
    // Only the changed probe runs again (its first run); "keep" waits out its hour.
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() == 4; }));
    f.ioc.poll();
    CHECK(f.results.size() == 4);
    CHECK(f.results.back().probe == "change");
    auto st = f.scheduler->status();
    REQUIRE(st.size() == 2);
    CHECK(st[0].config.id == "change");
    CHECK(st[0].runs == 2);  // history carried over
    CHECK(st[1].config.id == "keep");
    CHECK(st[1].runs == 1);
    // The removed probe's series are gone from /metrics.
    bool gone_found = false;
    for (const auto& fam : f.prom.Collect()) {
        for (const auto& m : fam.metric) {
            for (const auto& l : m.label) {
                if (l.value == "gone") gone_found = true;
            }
        }
    }
    CHECK_FALSE(gone_found);
}

TEST_CASE("Scheduler: a failing apply changes nothing", "[probes][unit]") {
    Fixture f;
    REQUIRE(f.scheduler->apply({probe("a", 1h)}).has_value());
    auto bad = probe("b", 1h);
    bad.kind = "nope";
    auto r = f.scheduler->apply({bad});
    REQUIRE_FALSE(r.has_value());
    auto st = f.scheduler->status();
    REQUIRE(st.size() == 1);
    CHECK(st[0].config.id == "a");
}

TEST_CASE("Scheduler: run_now goes through the same path", "[probes][unit]") {
    Fixture f;
    REQUIRE(f.scheduler->apply({probe("a", 1h)}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 1; }));
    CHECK(f.scheduler->run_now("a").outcome == Outcome::started);
    CHECK(f.scheduler->run_now("zzz").outcome == Outcome::unknown_probe);
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 2; }));
}

TEST_CASE("Scheduler: run_now says when it is skipped because a run is in flight, and since when",
          "[probes][unit]") {
    Fixture f;
    f.http.hold = true;
    const core::TimePoint launched = f.clock.now();
    REQUIRE(f.scheduler->apply({probe("a", 1h)}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.http.request_count() == 1; }));
    f.clock.advance(5s);
    for (int i = 0; i < 200; ++i) {
        const auto r = f.scheduler->run_now("a");
        CHECK(r.outcome == Outcome::already_running);
        CHECK(r.running_since == launched);
    }
    f.ioc.poll();
    CHECK(f.http.request_count() == 1);
    CHECK(f.metrics.skipped.Add({{"probe", "a"}, {"provider", "acme"}}).Value() == 200);
    f.http.hold = false;
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 1; }));
    const auto r = f.scheduler->run_now("a");
    CHECK(r.outcome == Outcome::started);
    CHECK_FALSE(r.running_since.has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 2; }));
}

TEST_CASE("Scheduler: concurrency limits make runs wait, history keeps the last N",
          "[probes][unit]") {
    Fixture f;
    f.http.hold = true;
    probes::SchedulerLimits limits;
    limits.max_concurrency = 2;
    limits.history = 2;
    f.scheduler->set_limits(limits);
    REQUIRE(f.scheduler->apply({probe("a", 1h), probe("b", 1h), probe("c", 1h)}).has_value());
    // All three are due at once; only two may be in flight.
    REQUIRE(testing::run_until(f.ioc, [&] { return f.http.request_count() == 2; }));
    f.ioc.poll();
    CHECK(f.http.request_count() == 2);
    CHECK(f.metrics.in_flight.Value() == 2);
    CHECK(f.metrics.throttled.Add({{"provider", "acme"}}).Value() == 1);
    // A finished run hands its slot to the waiting one.
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return f.http.request_count() == 3; }));
    f.http.hold = false;
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() == 3; }));
    CHECK(f.metrics.in_flight.Value() == 0);

    // Per provider: one at a time for acme.
    limits.max_concurrency = 0;
    limits.per_provider = {{"acme", 1}};
    f.scheduler->set_limits(limits);
    f.http.hold = true;
    CHECK(f.scheduler->run_now("a").outcome == Outcome::started);
    CHECK(f.scheduler->run_now("b").outcome == Outcome::queued);
    REQUIRE(testing::run_until(f.ioc, [&] { return f.http.request_count() == 4; }));
    f.ioc.poll();
    CHECK(f.http.request_count() == 4);
    // b is still waiting when asked again: skipped, not queued twice.
    CHECK(f.scheduler->run_now("b").outcome == Outcome::already_waiting);
    CHECK(f.metrics.skipped.Add({{"probe", "b"}, {"provider", "acme"}}).Value() == 1);
    f.http.hold = false;
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() == 5; }));
    CHECK(f.http.request_count() == 5);

    CHECK(taken(f.scheduler->run_now("a")));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() == 6; }));
    for (const auto& st : f.scheduler->status()) {
        if (st.config.id == "a") CHECK(st.history.size() == 2);  // 3 runs, 2 kept
    }
    CHECK(f.metrics.lateness.Collect().histogram.sample_count == 6);
}

TEST_CASE("Scheduler: with jitter the first runs are spread over the interval", "[probes][unit]") {
    Fixture f;
    std::vector<config::ProbeConfig> spread, herd;
    for (int i = 0; i < 50; ++i) {
        auto c = probe("s" + std::to_string(i), 1h);
        c.jitter = 1ms;  // on: first runs spread over the hour
        spread.push_back(c);
        auto h = probe("h" + std::to_string(i), 1h);  // jitter 0: first run at once
        herd.push_back(h);
    }
    spread.insert(spread.end(), herd.begin(), herd.end());
    REQUIRE(f.scheduler->apply(spread).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.results.size() >= 50; }));
    f.ioc.run_for(std::chrono::milliseconds(50));
    std::size_t spread_runs = 0;
    for (const auto& r : f.results) spread_runs += r.probe.starts_with("s") ? 1 : 0;
    CHECK(f.results.size() - spread_runs == 50);
    CHECK(spread_runs < 3);  // uniform over an hour: almost none in the first moments
}

TEST_CASE("Scheduler: history keeps each run's outcome; status(id) finds one probe",
          "[probes][unit]") {
    Fixture f;
    probes::SchedulerLimits limits;
    limits.history = 2;
    f.scheduler->set_limits(limits);
    auto c = extracting(probe("a", 1h), {{"balance", "body.balance"}});
    core::HttpResponse ok;
    ok.status = 200;
    ok.body = R"({"balance": 12.5})";
    ok.timings = {0.001, 0.002, 0, 0.004, 0.005};
    f.http.push(ok);
    f.http.push_status(503);
    f.http.push(ok);
    REQUIRE(f.scheduler->apply({c}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 1; }));
    CHECK(taken(f.scheduler->run_now("a")));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 2; }));

    auto st = f.scheduler->status_of("a");
    REQUIRE(st.has_value());
    CHECK_FALSE(f.scheduler->status_of("zzz").has_value());
    REQUIRE(st->history.size() == 2);
    const auto& first = st->history[0];
    CHECK(first.probe == "a");
    CHECK(first.provider == "acme");
    CHECK(first.success);
    CHECK(first.http_status == 200);
    CHECK(first.failure_reason.empty());
    REQUIRE(first.values.size() == 1);
    CHECK(first.values[0] == probes::ExtractedValue{"balance", 12.5});
    CHECK(first.timings.first_byte == Approx(0.004));
    CHECK(first.timings.total == Approx(0.005));
    CHECK(first.timings.dns == 0.001);  // exact: the API prints it (not 0.0010000000474974513)
    CHECK(first.started == f.results[0].started);
    const auto& second = st->history[1];
    CHECK_FALSE(second.success);
    CHECK(second.http_status == 503);
    CHECK(second.failure_reason == "status");
    CHECK(second.message == f.results[1].message);
    CHECK_FALSE(second.message.empty());

    // The ring keeps the newest two, oldest first.
    CHECK(taken(f.scheduler->run_now("a")));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 3; }));
    st = f.scheduler->status_of("a");
    REQUIRE(st->history.size() == 2);
    CHECK_FALSE(st->history[0].success);
    CHECK(st->history[1].success);
    CHECK(f.scheduler->status(false)[0].history.empty());

    // Removing the probe removes its series.
    REQUIRE(f.metrics.series.values("a").has_value());
    CHECK(f.metrics.series.values("a")->runs_success == 2);
    REQUIRE(f.scheduler->apply({}).has_value());
    CHECK_FALSE(f.metrics.series.values("a").has_value());
}

TEST_CASE("Scheduler: history values keep their names across a reload that renames them",
          "[probes][unit]") {
    // History keeps a passing run's values by position in `extract` and names them from the
    // config when read; a reload that changes the names must not rename past values.
    Fixture f;
    auto c = extracting(probe("a", 1h), {{"balance", "body.balance"}, {"fee", "body.fee"}});
    core::HttpResponse ok;
    ok.status = 200;
    ok.body = R"({"balance": 12.5, "fee": 0.25, "float": 7})";
    for (int i = 0; i < 3; ++i) f.http.push(ok);
    REQUIRE(f.scheduler->apply({c}).has_value());
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 1; }));

    auto renamed = extracting(c, {{"float", "body.float"}});
    REQUIRE(f.scheduler->apply({renamed}).has_value());
    CHECK(taken(f.scheduler->run_now("a")));
    REQUIRE(testing::run_until(f.ioc, [&] { return f.count("a") == 2; }));

    auto st = f.scheduler->status_of("a");
    REQUIRE(st.has_value());
    REQUIRE(st->history.size() == 2);
    CHECK(st->history[0].values == std::vector<probes::ExtractedValue>{{"balance", 12.5}, {"fee", 0.25}});
    CHECK(st->history[1].values == std::vector<probes::ExtractedValue>{{"float", 7}});
    CHECK(st->config.options.get<probes::HttpOptions>().extract ==
          renamed.options.get<probes::HttpOptions>().extract);
}
