// Several instances on one configuration: each probe runs on exactly one shard, and alerts
// from any instance carry the same group and dedup keys.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/run_until.hpp"

#include "harness.hpp"

using namespace noctua;
using testing::http_call;

namespace {

constexpr int kProbes = 12;

using testing::Upstream;

/// `count` probes p00.. (p03 fails), each running once at start, and a ProviderDown rule
/// paging the recorder.
std::string probes_toml(const Upstream& up, const testing::WebhookRecorder& receiver, int count,
                        std::string_view extra = {}) {
    namespace toml = testing::toml;
    std::string text = toml::server("2s", extra) + toml::provider("acme", up.server.url());
    for (int i = 0; i < count; ++i) {
        text += toml::probe(fmt::format("p{:02}", i), "acme", i == 3 ? "/down" : "/ok", {}, "2s");
    }
    return text + toml::provider_down(1) + receiver.route_toml();
}

config::Config load(const std::string& text) {
    auto c = config::load_string(text, "shard.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE(c.has_value());
    return std::move(*c);
}

simdjson::dom::element status_of(simdjson::dom::parser& parser, const testing::RunningDaemon& d,
                                 std::string& body) {
    auto r = http_call("GET", d.url("/api/v1/status"));
    REQUIRE(r.status == 200);
    body = r.body;
    return parser.parse(body).value();
}

std::uint64_t pending(const testing::RunningDaemon& d) {
    simdjson::dom::parser parser;
    std::string body;
    return status_of(parser, d, body)["notifications_pending"].get_uint64().value();
}

}  // namespace

TEST_CASE("shards: each probe runs on exactly one of two instances, one page per incident",
          "[integration]") {
    Upstream up;
    testing::WebhookRecorder receiver;
    const auto text = probes_toml(up, receiver, kProbes);
    auto opts = [](std::uint32_t i) {
        auto o = testing::seeded();
        o.shard = core::Shard{i, 2};
        return o;
    };
    testing::RunningDaemon a(load(text), opts(0));
    testing::RunningDaemon b(load(text), opts(1));

    std::set<std::string> seen;
    for (int i = 0; i < kProbes; ++i) {
        const auto id = fmt::format("p{:02}", i);
        INFO(id);
        const bool on_a = http_call("GET", a.url("/api/v1/probes/" + id)).status == 200;
        const bool on_b = http_call("GET", b.url("/api/v1/probes/" + id)).status == 200;
        CHECK(on_a != on_b);
        CHECK((on_a ? 0u : 1u) == core::shard_of(id, 2));
        auto& owner = on_a ? a : b;
        REQUIRE(testing::wait_for([&] { return testing::probe_runs(owner, id) == 1; }));
        seen.insert(id);
    }
    CHECK(seen.size() == kProbes);

    simdjson::dom::parser parser;
    std::string body_a;
    std::string body_b;
    auto sa = status_of(parser, a, body_a)["shard"];
    simdjson::dom::parser parser_b;
    auto sb = status_of(parser_b, b, body_b)["shard"];
    CHECK(sa["index"].get_uint64().value() == 0);
    CHECK(sb["index"].get_uint64().value() == 1);
    CHECK(sa["count"].get_uint64().value() == 2);
    CHECK(sa["probes_owned"].get_uint64().value() + sb["probes_owned"].get_uint64().value() ==
          kProbes);
    CHECK(sa["probes_configured"].get_uint64().value() == kProbes);
    const auto metrics = http_call("GET", a.url("/metrics")).body;
    CHECK(testing::metric_value(metrics, "noctua_cluster_shards") == 2);
    CHECK(testing::metric_value(metrics, "noctua_cluster_probes_configured") == kProbes);
    CHECK(testing::metric_value(metrics, "noctua_cluster_probes_owned") ==
          static_cast<double>(sa["probes_owned"].get_uint64().value()));

    // p03 fails on its one owner: one page, and nothing left to send on either instance.
    REQUIRE(testing::wait_for([&] { return receiver.count() >= 1; }));
    REQUIRE(testing::wait_for([&] { return pending(a) == 0 && pending(b) == 0; }));
    REQUIRE(receiver.count() == 1);
    simdjson::dom::parser page_parser;
    auto page = page_parser.parse(receiver.snapshot()[0]).value();
    CHECK(page["commonLabels"]["probe"].get_string().value() == "p03");

    SECTION("a reload keeps the shard given on the command line") {
        REQUIRE(a.daemon().reload(load(text)).has_value());
        simdjson::dom::parser p;
        std::string body;
        auto s = status_of(p, a, body)["shard"];
        CHECK(s["count"].get_uint64().value() == 2);
        CHECK(s["probes_owned"].get_uint64().value() == sa["probes_owned"].get_uint64().value());
    }
}

TEST_CASE("shards: [cluster] shard in the file splits probes as --shard does", "[integration]") {
    Upstream up;
    testing::WebhookRecorder receiver;
    testing::RunningDaemon a(
        load(probes_toml(up, receiver, kProbes, "[cluster]\nshard = \"1/3\"\n")));
    for (int i = 0; i < kProbes; ++i) {
        const auto id = fmt::format("p{:02}", i);
        INFO(id);
        const bool on_a = http_call("GET", a.url("/api/v1/probes/" + id)).status == 200;
        CHECK(on_a == (core::shard_of(id, 3) == 1));
    }
}

TEST_CASE("shards: two instances page one incident with identical group and dedup keys",
          "[integration]") {
    // Unsharded on purpose: both run the failing probe, so both page, and the receiver
    // (Alertmanager, a pager) can merge the two only if nothing instance-specific is in them.
    Upstream up;
    testing::WebhookRecorder receiver;
    const auto text = probes_toml(up, receiver, 4);
    testing::RunningDaemon a(load(text));
    testing::RunningDaemon b(load(text));
    REQUIRE(testing::wait_for([&] { return receiver.count() == 2; }));
    const auto pages = receiver.snapshot();
    simdjson::dom::parser p0;
    simdjson::dom::parser p1;
    auto x = p0.parse(pages[0]).value();
    auto y = p1.parse(pages[1]).value();
    CHECK(x["groupKey"].get_string().value() == y["groupKey"].get_string().value());
    CHECK(x["alerts"].at(0)["fingerprint"].get_string().value() ==
          y["alerts"].at(0)["fingerprint"].get_string().value());
    CHECK(simdjson::to_string(x["groupLabels"]) == simdjson::to_string(y["groupLabels"]));
    CHECK(simdjson::to_string(x["alerts"].at(0)["labels"]) ==
          simdjson::to_string(y["alerts"].at(0)["labels"]));
    CHECK(x["alerts"].at(0)["labels"]["probe"].get_string().value() == "p03");
}
