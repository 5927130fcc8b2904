// Two daemons on one configuration share a Kafka topic (librdkafka's mock cluster) through one
// consumer group, and split the probes by shard: every event is counted once across them,
// every probe runs on exactly one, one page reaches the receiver per incident, and a
// rebalance that moves providers from one instance to the other pages nothing.
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include "harness.hpp"
#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/mock_kafka.hpp"
#include "noctua/testing/run_until.hpp"

using namespace noctua;
using testing::http_call;
using testing::metric_value;
using namespace std::chrono_literals;

namespace {

constexpr int kPartitions = 4;
const std::array<std::string, 6> kProviders = {"acme", "beta", "gamma", "delta", "eps", "zeta"};

/// The mock cluster with a producer that keys each event by provider.
struct MockKafka : testing::MockKafkaCluster {
    std::size_t produced = 0;
    MockKafka() : MockKafkaCluster(kPartitions) {}

    /// 4 a minute for each provider in [from, to) (acme only before `acme_stop`), in event-time
    /// order; provider i goes to partition i % kPartitions, keyed by its id.
    void produce(core::TimePoint from, core::TimePoint to, core::TimePoint acme_stop) {
        for (auto t = from; t < to; t += 1min) {
            for (std::size_t i = 0; i < kProviders.size(); ++i) {
                if (i == 0 && t >= acme_stop) continue;
                std::vector<std::string> lines;
                testing::transactions(lines, kProviders[i], 4, t, t + 1min);
                for (auto& line : lines) {
                    while (rd_kafka_produce(topic, static_cast<std::int32_t>(i % kPartitions),
                                            RD_KAFKA_MSG_F_COPY, line.data(), line.size(),
                                            kProviders[i].data(), kProviders[i].size(),
                                            nullptr) != 0) {
                        rd_kafka_poll(producer, 100);  // queue full: let it drain
                    }
                    ++produced;
                }
            }
        }
        REQUIRE(rd_kafka_flush(producer, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
};

using testing::Upstream;

std::string config_toml(const MockKafka& kafka, const Upstream& up,
                        const testing::WebhookRecorder& receiver) {
    namespace toml = testing::toml;
    std::string text = toml::server("2s") + toml::provider("web", up.server.url()) +
                       fmt::format(R"(
[[streams]]
id = "kafka"
kind = "kafka"
brokers = "{}"
topics = ["tx"]
group_id = "noctua-shards"
kafka = {{ "session.timeout.ms" = "6000", "heartbeat.interval.ms" = "100", "topic.metadata.refresh.interval.ms" = "500", "fetch.wait.max.ms" = "5" }}

[windows]
recent = "7h"

[[windows.sets]]
by = ["provider"]

[[rules]]
name = "TrafficLoss"
kind = "traffic_loss"
match = {{ set = "provider" }}
)",
                                   kafka.bootstraps()) +
                       toml::provider_down(1);
    for (int i = 0; i < 6; ++i) {
        text += toml::probe(fmt::format("w{}", i), "web", i == 2 ? "/down" : "/ok", {}, "2s");
    }
    return text + receiver.route_toml();
}

std::unique_ptr<testing::RunningDaemon> start(const std::string& text, std::uint32_t shard) {
    auto c = config::load_string(text, "shards.toml", daemon::builtin_kind_parsers());
    REQUIRE(c.has_value());
    auto options = testing::seeded();
    options.shard = core::Shard{shard, 2};
    options.rule_tick = 20ms;
    return std::make_unique<testing::RunningDaemon>(std::move(*c), std::move(options));
}

double metric(const testing::RunningDaemon& d, std::string_view name) {
    return std::max(0.0, metric_value(http_call("GET", d.url("/metrics")).body, name));
}

double seconds_of(core::TimePoint t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

/// Firing alerts of `alertname` in the receiver's payloads, by provider or probe.
std::map<std::string, int> pages(testing::WebhookRecorder& receiver, std::string_view alertname) {
    std::map<std::string, int> out;
    testing::for_each_delivered_alert(receiver.snapshot(), [&](simdjson::dom::element a) {
        std::string_view name;
        std::string_view status;
        if (a["labels"]["alertname"].get(name) || name != alertname || a["status"].get(status) ||
            status != "firing") {
            return true;
        }
        std::string_view who;
        if (a["labels"]["probe"].get(who) && a["labels"]["provider"].get(who)) who = "";
        ++out[std::string(who)];
        return true;
    });
    return out;
}

std::uint64_t pending(const testing::RunningDaemon& d) {
    simdjson::dom::parser parser;
    auto body = http_call("GET", d.url("/api/v1/status")).body;
    return parser.parse(body).value()["notifications_pending"].get_uint64().value();
}

/// Both instances have judged the stream up to `t` and sent everything they had to send.
void settled(testing::RunningDaemon& a, testing::RunningDaemon& b, core::TimePoint t) {
    REQUIRE(testing::wait_for(
        [&] {
            return metric(a, "noctua_rules_stream_time_seconds") >= seconds_of(t) &&
                   metric(b, "noctua_rules_stream_time_seconds") >= seconds_of(t);
        },
        60s));
    REQUIRE(testing::wait_for([&] { return pending(a) == 0 && pending(b) == 0; }, 30s));
}

const char* kEvents = R"(noctua_ingest_events_total{source="kafka"})";
const char* kDuplicates = R"(noctua_ingest_duplicate_events_total{source="kafka"})";
const char* kCommitted = R"(noctua_ingest_kafka_committed_messages_total{source="kafka"})";
const char* kPartitionsAssigned = R"(noctua_ingest_kafka_partitions_assigned{source="kafka"})";

const char* kLate = R"(noctua_ingest_late_events_total{source="kafka"})";

/// Produces [from, to) the way a live topic fills: a minute of event time at a time, each read
/// by the instances before the next is sent. (Hours sent at once would be a backlog, which a
/// consumer reads unevenly across partitions: docs/events.md, "Catching up a backlog".) Then
/// every event must have been counted exactly once across the instances, none late; on a
/// failure it says where the others went.
void produce_live(MockKafka& kafka, const std::vector<testing::RunningDaemon*>& instances,
                  core::TimePoint from, core::TimePoint to, core::TimePoint acme_stop) {
    // Each instance's /metrics read once per look, summed over the instances.
    auto look = [&] {
        std::vector<std::string> texts;
        for (auto* d : instances) texts.push_back(http_call("GET", d->url("/metrics")).body);
        return [texts = std::move(texts)](std::string_view name) {
            double n = 0;
            for (const auto& t : texts) n += std::max(0.0, metric_value(t, name));
            return n;
        };
    };
    auto report = [&] {
        const auto sum = look();
        return fmt::format("produced {}, accepted {}, late {}, duplicates {}, partitions {}, "
                           "consume errors {}",
                           kafka.produced, sum(kEvents), sum(kLate), sum(kDuplicates),
                           sum(kPartitionsAssigned),
                           sum(R"(noctua_ingest_source_errors_total{kind="consume",source="kafka"})"));
    };
    // Two minutes at a time: partitions then stay within the windows' default lateness of each
    // other.
    for (auto t = from; t < to; t += 2min) {
        kafka.produce(t, std::min(t + 2min, to), acme_stop);
        const bool read = testing::wait_for(
            [&] {
                const auto sum = look();
                return sum(kEvents) + sum(kLate) + sum(kDuplicates) >=
                       static_cast<double>(kafka.produced);
            },
            60s);
        INFO(report());
        REQUIRE(read);
    }
    const auto sum = look();
    INFO(report());
    REQUIRE(sum(kEvents) == static_cast<double>(kafka.produced));
    REQUIRE(sum(kLate) == 0);
}

core::TimePoint minute_floor(core::TimePoint t) {
    return core::TimePoint{(t.time_since_epoch() / 60'000ms) * 60'000ms};
}

}  // namespace

TEST_CASE(
    "shards: two daemons, one config, one Kafka group: each event counted once, each "
    "probe run once, one page per incident",
    "[integration]") {
    MockKafka kafka;
    Upstream up;
    testing::WebhookRecorder receiver;
    const auto text = config_toml(kafka, up, receiver);
    auto a = start(text, 0);
    auto b = start(text, 1);
    REQUIRE(testing::wait_for(
        [&] {
            const double pa = metric(*a, kPartitionsAssigned);
            const double pb = metric(*b, kPartitionsAssigned);
            return pa > 0 && pb > 0 && pa + pb == kPartitions;
        },
        60s));

    // Four hours of traffic ending a minute ago; acme stops for the last hour.
    const auto end = minute_floor(core::SystemClock{}.now()) - 1min;
    produce_live(kafka, {a.get(), b.get()}, end - 4h, end, end - 1h);
    CHECK(metric(*a, kEvents) > 0);
    CHECK(metric(*b, kEvents) > 0);
    CHECK(metric(*a, kDuplicates) + metric(*b, kDuplicates) == 0);

    // Every probe on exactly one instance, once.
    for (int i = 0; i < 6; ++i) {
        const auto id = fmt::format("w{}", i);
        INFO(id);
        const bool on_a = http_call("GET", a->url("/api/v1/probes/" + id)).status == 200;
        const bool on_b = http_call("GET", b->url("/api/v1/probes/" + id)).status == 200;
        REQUIRE(on_a != on_b);
        REQUIRE(testing::wait_for([&] { return testing::probe_runs(on_a ? *a : *b, id) == 1; }));
    }

    // acme's stop pages once, from the instance that reads its partition; the failing probe
    // once, from the instance that runs it; nothing else.
    REQUIRE(testing::wait_for([&] { return pages(receiver, "TrafficLoss").size() == 1; }, 60s));
    REQUIRE(testing::wait_for([&] { return pages(receiver, "ProviderDown").size() == 1; }, 30s));
    settled(*a, *b, end - 3min);
    CHECK(pages(receiver, "TrafficLoss") == std::map<std::string, int>{{"acme", 1}});
    CHECK(pages(receiver, "ProviderDown") == std::map<std::string, int>{{"w2", 1}});
    CHECK(metric(*a, "noctua_cluster_stream_providers_owned") +
              metric(*b, "noctua_cluster_stream_providers_owned") ==
          kProviders.size());
}

TEST_CASE("shards: a rebalance hands providers over without a false traffic loss",
          "[integration]") {
    MockKafka kafka;
    Upstream up;
    testing::WebhookRecorder receiver;
    const auto text = config_toml(kafka, up, receiver);
    const auto end = minute_floor(core::SystemClock{}.now()) - 1min;
    const auto half = end - 3h;

    // One instance reads the whole topic for three hours of event time.
    auto a = start(text, 0);
    REQUIRE(testing::wait_for([&] { return metric(*a, kPartitionsAssigned) == kPartitions; }, 60s));
    produce_live(kafka, {a.get()}, end - 6h, half, end);
    // Committed too: a commit still under way when the group rebalances may be refused, and the
    // partition's next owner would read those events again (at-least-once delivery).
    REQUIRE(testing::wait_for(
        [&] { return metric(*a, kCommitted) == static_cast<double>(kafka.produced); }, 60s));

    // The second joins: the group moves partitions, and their providers, to it. The first
    // instance's windows still hold them and see no more of their traffic: judged, that
    // silence would be a full stop of every moved provider.
    auto b = start(text, 1);
    REQUIRE(testing::wait_for(
        [&] {
            const double pa = metric(*a, kPartitionsAssigned);
            const double pb = metric(*b, kPartitionsAssigned);
            return pb > 0 && pa + pb == kPartitions;
        },
        60s));
    produce_live(kafka, {a.get(), b.get()}, half, end, end);
    CHECK(metric(*b, kEvents) > 0);
    CHECK(metric(*a, kDuplicates) + metric(*b, kDuplicates) == 0);
    settled(*a, *b, end - 3min);
    CHECK(metric(*a, R"(noctua_cluster_stream_samples_skipped_total{reason="not_owned"})") > 0);
    CHECK(pages(receiver, "TrafficLoss").empty());
    CHECK(metric(*a, R"(noctua_alerts_firing{alertname="TrafficLoss",severity="critical"})") == 0);
    CHECK(metric(*b, R"(noctua_alerts_firing{alertname="TrafficLoss",severity="critical"})") == 0);
}
