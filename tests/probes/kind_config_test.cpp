// The probe kinds' own keys, read by each kind's parser beside the kind: options land in the
// kind's struct, a kind's misspelt key and another kind's key are errors at FILE:LINE:COL.
#include <algorithm>
#include <cstdlib>
#include <set>

#include <catch2/catch.hpp>

#include "noctua/config/kinds.hpp"
#include "noctua/config/probe_kind.hpp"
#include "noctua/probes/kinds/dns.hpp"
#include "noctua/probes/kinds/heartbeat.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/kinds/scenario.hpp"
#include "noctua/probes/kinds/tcp.hpp"
#include "noctua/probes/kinds/tls.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_family.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

using namespace noctua;

namespace {

/// A provider (lines 1–3) and one probe "p" on it (lines 4–6) with `keys` from line 7 on.
std::string entry(std::string_view keys) {
    return testing::acme_probe("http://127.0.0.1:9/acme") + std::string(keys);
}

/// The probe of `entry(keys)`, loaded with every probe kind's parser.
config::ProbeConfig only_probe(std::string_view keys) {
    auto loaded = testing::load_config(entry(keys), testing::probe_kind_parsers());
    REQUIRE(loaded.probes.size() == 1);
    return loaded.probes[0];
}

/// The errors of `entry(keys)` as `p.toml:L:C: key: message` lines, with or without the
/// kinds' parsers.
std::vector<std::string> errors_of(std::string_view keys, bool with_parsers = true) {
    const config::KindParsers none;
    return testing::load_errors(entry(keys), "p.toml",
                                with_parsers ? testing::probe_kind_parsers() : none);
}

}  // namespace

TEST_CASE("probe kinds: each kind reads its own keys into its options", "[probes][unit]") {
    const auto http = only_probe(
        "path = \"/balance\"\nquery = { a = \"1 2\" }\nmethod = \"POST\"\n"
        "keep_alive = true\nexpected_status = \"2xx\"\n");
    const auto& h = http.options.get<probes::HttpOptions>();
    CHECK(h.url == "http://127.0.0.1:9/acme/balance?a=1%202");
    CHECK(h.method == "POST");
    CHECK(h.transport.keep_alive);
    CHECK(h.expected_status == std::vector<probes::StatusRange>{{200, 299}});

    const auto tls = only_probe(
        "kind = \"tls\"\ntarget = \"127.0.0.1:443\"\n"
        "tls_server_name = \"api.example\"\nip_version = 6\n");
    CHECK(tls.options.get<probes::TlsOptions>() ==
          probes::TlsOptions{"127.0.0.1:443", {}, 6, {}, "api.example"});

    const auto tcp = only_probe("kind = \"tcp\"\ntarget = \"127.0.0.1:5432\"\n");
    CHECK(tcp.options.get<probes::TcpOptions>() == probes::TcpOptions{"127.0.0.1:5432", {}, 0});

    const auto dns = only_probe(
        "kind = \"dns\"\ntarget = \"127.0.0.1:53\"\n"
        "dns = { name = \"api.example\", type = \"AAAA\" }\n");
    CHECK(dns.options.get<probes::DnsOptions>().query ==
          probes::DnsQuery{"api.example", "AAAA", "NOERROR", {}});

    const auto scenario = only_probe(
        "kind = \"scenario\"\n[[probes.steps]]\nname = \"a\"\n"
        "path = \"/x\"\n");
    const auto& steps = scenario.options.get<probes::ScenarioOptions>().steps;
    REQUIRE(steps.size() == 1);
    CHECK(steps[0].url == "http://127.0.0.1:9/acme/x");

    ::setenv("NOCTUA_TEST_PROBE_TOKEN", "beat", 1);
    const auto heartbeat = only_probe(
        "kind = \"heartbeat\"\ntoken_env = \"NOCTUA_TEST_PROBE_TOKEN\"\n"
        "grace = \"5m\"\n");
    const auto& hb = heartbeat.options.get<probes::HeartbeatOptions>();
    REQUIRE(hb.token.has_value());
    CHECK(hb.token->reveal() == "beat");
    CHECK(hb.grace == std::chrono::minutes(5));
}

TEST_CASE("probe kinds: a misspelt key of a kind is an unknown key with a suggestion",
          "[probes][unit]") {
    CHECK(errors_of("kind = \"tcp\"\ntarget = \"127.0.0.1:1\"\nexpcet = [\"latency < 1s\"]\n") ==
          std::vector<std::string>{
              "p.toml:9:1: probes[0].expcet: unknown key \"expcet\" (did you mean \"expect\"?); "
              "known keys: body, body_file, dns, expect, expected_status, extract, "
              "extract_labels, follow_redirects, grace, headers, id, interval, ip_version, "
              "jitter, keep_alive, kind, labels, max_redirects, max_response_size, method and 15 "
              "more"});
    // A key inside a kind's own table is checked by the kind.
    CHECK(errors_of("kind = \"dns\"\ntarget = \"127.0.0.1:53\"\n"
                    "dns = { name = \"a.example\", typ = \"A\" }\n") ==
          std::vector<std::string>{
              "p.toml:9:29: probes[0].dns.typ: unknown key \"typ\" (did you mean \"type\"?); "
              "known keys: answers, name, rcode, type"});
}

TEST_CASE("probe kinds: another kind's key names the kinds it applies to", "[probes][unit]") {
    CHECK(errors_of("kind = \"tcp\"\ntarget = \"127.0.0.1:1\"\ngrace = \"1m\"\n") ==
          std::vector<std::string>{
              "p.toml:9:9: probes[0].grace: grace applies to kind \"heartbeat\" probes, "
              "not \"tcp\""});
    CHECK(errors_of("path = \"/x\"\ntls_server_name = \"a.example\"\ntarget = \"127.0.0.1:1\"\n") ==
          std::vector<std::string>{
              "p.toml:8:19: probes[0].tls_server_name: tls_server_name applies to kind \"tls\" "
              "probes, not \"http\"",
              "p.toml:9:10: probes[0].target: target applies to kinds \"dns\", \"tcp\", "
              "\"tls\" probes, not \"http\""});
    ::setenv("NOCTUA_TEST_PROBE_TOKEN", "beat", 1);
    CHECK(errors_of("kind = \"heartbeat\"\ntoken_env = \"NOCTUA_TEST_PROBE_TOKEN\"\n"
                    "ip_version = 4\n") ==
          std::vector<std::string>{"p.toml:9:14: probes[0].ip_version: ip_version applies to "
                                   "kinds \"http\", \"scenario\", \"tcp\", \"tls\" probes, "
                                   "not \"heartbeat\""});
}

TEST_CASE("probe kinds: every kind supplies its parser; without them only common keys load",
          "[probes][unit]") {
    probes::ProbeRegistry registry;
    probes::register_builtin_probes(registry);
    registry.freeze();
    config::KindParsers parsers;
    registry.add_parsers(parsers);
    std::set<std::string> all;
    testing::check_every_kind_reads_keys(config::kProbeKinds, parsers.probes());
    for (const auto& [kind, parser] : parsers.probes()) {
        INFO(kind);
        for (const auto& key : parser.keys) {
            INFO(key);
            // A kind's keys are its own: never one config reads for every kind.
            CHECK(std::find(std::begin(config::kProbeCommonKeys),
                            std::end(config::kProbeCommonKeys),
                            key) == std::end(config::kProbeCommonKeys));
            all.insert(key);
        }
    }
    CHECK(parsers.probes().size() == std::size(config::kind_lists::probes));
    CHECK(all.size() + std::size(config::kProbeCommonKeys) == 35);

    CHECK(errors_of("path = \"/x\"\n", false) ==
          std::vector<std::string>{"p.toml:7:1: probes[0].path: unknown key \"path\"; known keys: "
                                   "id, interval, jitter, kind, labels, provider, timeout"});
    CHECK(errors_of("kind = \"heartbeat\"\n", false).empty());
}
