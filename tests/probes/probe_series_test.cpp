#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "noctua/probes/probe_series.hpp"

using namespace noctua;

namespace {

std::string text(const prometheus::Collectable& c) {
    return prometheus::TextSerializer().Serialize(c.Collect());
}

std::string text(const probes::ProbeSeries& s) {
    std::string out;
    s.write_text(out);
    return out;
}

}  // namespace

TEST_CASE("ProbeSeries: no series before a probe's first run", "[probes][unit]") {
    probes::ProbeSeries s;
    CHECK_FALSE(s.values("a").has_value());
    CHECK(text(s).find("noctua_probe_success{") == std::string::npos);
}

TEST_CASE("ProbeSeries: runs, success and the duration histogram", "[probes][unit]") {
    probes::ProbeSeries s;
    s.record("a", "acme", true, 0.003);   // first bucket (le 0.005)
    s.record("a", "acme", true, 0.005);   // a bound belongs to its own bucket
    s.record("a", "acme", false, 0.3);    // le 0.5
    s.record("a", "acme", false, 99.0);   // +Inf only
    auto v = s.values("a");
    REQUIRE(v.has_value());
    CHECK(v->success == 0);
    CHECK(v->runs_success == 2);
    CHECK(v->runs_failure == 2);
    CHECK(v->duration_count == 4);
    CHECK(v->duration_sum == Approx(99.308));
    CHECK(v->duration_buckets[0] == 2);   // le 0.005
    CHECK(v->duration_buckets[5] == 2);   // le 0.25
    CHECK(v->duration_buckets[6] == 3);   // le 0.5
    CHECK(v->duration_buckets[11] == 3);  // le 30
    CHECK(v->duration_buckets[12] == 4);  // +Inf
    s.record("a", "acme", true, 0.01);
    CHECK(s.values("a")->success == 1);
}

TEST_CASE("ProbeSeries: exposition matches prometheus-cpp's own families", "[probes][unit]") {
    // The same observations through prometheus-cpp families, serialized the same way: the
    // compact series must be a drop-in replacement on /metrics.
    prometheus::Registry reg;
    auto& success = prometheus::BuildGauge()
                        .Name("noctua_probe_success")
                        .Help("1 if the probe's last run passed, 0 if it failed")
                        .Register(reg);
    auto& duration = prometheus::BuildHistogram()
                         .Name("noctua_probe_duration_seconds")
                         .Help("Duration of probe runs")
                         .Register(reg);
    auto& runs = prometheus::BuildCounter()
                     .Name("noctua_probe_runs_total")
                     .Help("Probe runs by result (success|failure)")
                     .Register(reg);
    const auto& b = probes::ProbeSeries::kDurationBuckets;
    const prometheus::Histogram::BucketBoundaries bounds(b.begin(), b.end());
    probes::ProbeSeries s;
    struct Run {
        const char* probe;
        bool ok;
        double seconds;
    };
    // A label value that needs escaping, and a sum (0.1 + 0.2) whose shortest form differs
    // from prometheus-cpp's "%.16g".
    for (const Run& r : {Run{"b", true, 0.02}, Run{"a", false, 1.5}, Run{"a", true, 0.0001},
                         Run{"q\"\\\n", true, 0.1}, Run{"q\"\\\n", false, 0.2}}) {
        s.record(r.probe, "acme", r.ok, r.seconds);
        const prometheus::Labels l{{"probe", r.probe}, {"provider", "acme"}};
        success.Add(l).Set(r.ok ? 1 : 0);
        duration.Add(l, bounds).Observe(r.seconds);
        auto rl = l;
        rl.emplace("result", r.ok ? "success" : "failure");
        runs.Add(rl).Increment();
    }
    // prometheus-cpp lists a family's series in hash order and creates runs_total series one
    // at a time; compare line sets, with the zero counters we always expose added to theirs.
    auto lines = [](const std::string& t) {
        std::multiset<std::string> out;
        std::size_t pos = 0;
        while (pos < t.size()) {
            auto end = t.find('\n', pos);
            out.insert(t.substr(pos, end - pos));
            pos = end + 1;
        }
        return out;
    };
    auto theirs = lines(text(reg));
    theirs.insert(R"(noctua_probe_runs_total{probe="b",provider="acme",result="failure"} 0)");
    REQUIRE(text(s).find(R"(noctua_probe_duration_seconds_sum{probe="q\"\\\n",provider="acme"} 0.3)") !=
            std::string::npos);
    CHECK(lines(text(s)) == theirs);
}

TEST_CASE("ProbeSeries: remove drops the probe's series; provider changes relabel",
          "[probes][unit]") {
    probes::ProbeSeries s;
    s.record("a", "acme", true, 0.1);
    s.record("b", "acme", true, 0.1);
    s.remove("a");
    s.remove("zzz");
    CHECK_FALSE(s.values("a").has_value());
    CHECK(s.values("b").has_value());
    s.record("b", "beta", true, 0.1);
    const auto t = text(s);
    CHECK(t.find(R"(noctua_probe_success{probe="b",provider="beta"} 1)") != std::string::npos);
    CHECK(t.find(R"(provider="acme")") == std::string::npos);
    CHECK(t.find(R"(probe="a")") == std::string::npos);
}
