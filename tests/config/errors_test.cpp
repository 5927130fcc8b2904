#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "error_cases.hpp"
#include "noctua/config/config.hpp"

using namespace noctua::config;
using namespace noctua::config_errors_test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("config: a TOML syntax error is one error at toml++'s position", "[config][unit]") {
    auto result = load_string("[server]\nlisten = \n", "bad.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    const ConfigError& e = result.error()[0];
    CHECK(e.file == "bad.toml");
    CHECK(e.pos == SourcePos{2, 10});
    CHECK(e.key_path.empty());
    CHECK_THAT(e.to_string(), StartsWith("bad.toml:2:10: ") && Contains("expected"));
}

TEST_CASE("config: invalid UTF-8 is reported at the first bad byte", "[config][unit]") {
    const auto error = [](std::string_view text) {
        auto result = load_string(text, "u.toml");
        REQUIRE_FALSE(result.has_value());
        REQUIRE(result.error().size() == 1);
        return result.error()[0].to_string();
    };
    // Columns count characters, as toml++'s do: "é" is one column.
    CHECK(error("a = \"\xff\"\n") ==
          "u.toml:1:6: invalid UTF-8: byte 0xff (byte offset 5) does not begin a valid sequence; "
          "the file must be UTF-8");
    const std::pair<std::string_view, std::string_view> starts[] = {
        {"a = 1\nb = \"\xc3\xa9\xc3\xa9\xff\"\n",
         "u.toml:2:8: invalid UTF-8: byte 0xff (byte offset 15)"},
        // A truncated sequence, a surrogate, an overlong form, past U+10FFFF, a bare
        // continuation.
        {"a = \"x\xe2\x82\"\n", "u.toml:1:7: invalid UTF-8: byte 0xe2"},
        {"a = \"\xed\xa0\x80\"\n", "u.toml:1:6: invalid UTF-8: byte 0xed"},
        {"a = \"\xc0\xaf\"\n", "u.toml:1:6: invalid UTF-8: byte 0xc0"},
        {"a = \"\xf4\x90\x80\x80\"\n", "u.toml:1:6: invalid UTF-8: byte 0xf4"},
        {"# \x80\n", "u.toml:1:3: invalid UTF-8: byte 0x80 (byte offset 2)"},
        {"\xff", "u.toml:1:1: invalid UTF-8: byte 0xff (byte offset 0)"},
    };
    for (const auto& [text, start] : starts) {
        INFO(text);
        CHECK_THAT(error(text), StartsWith(std::string(start)));
    }
    // Four-byte characters are fine.
    CHECK(load_string("# \xf0\x9f\xa6\x89 \xc3\xa9\n").has_value());
}

TEST_CASE("config: unknown key is an error with file:line:col and key path", "[config][unit]") {
    SECTION("with a suggestion within two edits") {
        CHECK(error_of(R"(
[logging]
levle = "info"
)") == "test.toml:2:1: logging.levle: unknown key \"levle\" (did you mean \"level\"?); "
       "known keys: format, level");
    }
    SECTION("in an array of tables, listing the known keys sorted") {
        CHECK_THAT(error_of(with_provider(R"(
[[probes]]
id = "p"
provider = "acme"
path = "/x"
intervall = "30s"
)")),
                   StartsWith("test.toml:8:1: probes[0].intervall: unknown key \"intervall\" "
                              "(did you mean \"interval\"?); known keys: body, body_file, dns, "
                              "expect, expected_status, extract, extract_labels, "
                              "follow_redirects, grace, headers, id, interval, ip_version, "
                              "jitter, keep_alive, kind, labels, max_redirects, "
                              "max_response_size, method and 15 more"));
    }
    SECTION("without a suggestion when nothing is close") {
        CHECK(
            error_of("database = 1\n") ==
            "test.toml:1:1: database: unknown key \"database\"; known keys: cluster, escalations, "
            "external_url, inhibit, logging, probes, probing, providers, receivers, route, rules, "
            "server, "
            "status_reports, status_tests, storage, streams, time_intervals, windows");
    }
}

TEST_CASE("config: wrong types name the expected and the actual type", "[config][unit]") {
    check_errors({
        {R"(
[[providers]]
id = "acme"
name = 5
)",
         "test.toml:3:8: providers[0].name: expected a string, got integer"},
        {"[logging]\nlevel = [\"info\"]\n",
         "test.toml:2:9: logging.level: expected a string, got array"},
        {"providers = \"acme\"\n",
         "test.toml:1:13: providers: expected an array of tables ([[providers]]), got string"},
        {"[providers]\nid = \"acme\"\n",
         "test.toml:1:1: providers: expected an array of tables ([[providers]]), got table"},
        {"server = 1\n", "test.toml:1:10: server: expected a table ([server]), got integer"},
        {with_provider(R"(
[[probes]]
id = "p"
provider = "acme"
path = "/x"
follow_redirects = "yes"
)"),
         "test.toml:8:20: probes[0].follow_redirects: expected a boolean (true or false), got "
         "string"},
        {"[[rules]]\nname = \"R\"\nfailures = 2.5\n",
         "test.toml:3:12: rules[0].failures: expected an integer, got floating-point"},
        {"[[rules]]\nname = \"R\"\nprobes = [\"a\", 1]\n",
         "test.toml:3:16: rules[0].probes[1]: expected a string, got integer"},
    });
}

TEST_CASE("config: a missing required key is reported at its parent table", "[config][unit]") {
    check_errors({
        {R"(
[[providers]]
id = "acme"

[[providers]]
name = "Beta"
)",
         "test.toml:4:1: providers[1]: missing required key \"id\""},
        {"[[rules]]\nkind = \"downtime\"\n",
         "test.toml:1:1: rules[0]: missing required key \"name\""},
        {"[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n",
         "test.toml:1:1: receivers[0]: missing required key \"kind\""},
        {"[[receivers]]\nname = \"r\"\nkind = \"log\"\n[route]\n",
         "test.toml:4:1: route: missing required key \"receiver\""},
    });
    auto probe = errors_of(with_provider("[[probes]]\npath = \"/x\"\n"));
    CHECK(probe ==
          std::vector<std::string>{"test.toml:4:1: probes[0]: missing required key \"id\"",
                                   "test.toml:4:1: probes[0]: missing required key \"provider\""});
}

TEST_CASE("config: sizes need units", "[config][unit]") {
    check_errors({
        {"[server]\nbody_limit = 1048576\n",
         "test.toml:2:14: server.body_limit: expected a size string such as \"1MiB\", got "
         "integer (sizes need a unit: B, KB, MB, GB, KiB, MiB, GiB)"},
        {"[server]\nbody_limit = \"0B\"\n",
         "test.toml:2:14: server.body_limit: must be greater than 0"},
    });
    CHECK_THAT(error_of("[server]\nbody_limit = \"1mb\"\n"),
               StartsWith("test.toml:2:14: server.body_limit: invalid size \"1mb\": missing or "
                          "unknown unit"));
}

TEST_CASE("config: ids must match [a-zA-Z0-9_.-]+", "[config][unit]") {
    check_errors({
        {"[[providers]]\nid = \"acme corp\"\n",
         "test.toml:2:6: providers[0].id: invalid id \"acme corp\": use letters, digits, '_', "
         "'.' and '-'"},
        {"[[rules]]\nname = \"\"\n",
         "test.toml:2:8: rules[0].name: invalid id \"\": use letters, digits, '_', '.' and '-'"},
    });
}

TEST_CASE("config: duplicate ids and names point at the first definition", "[config][unit]") {
    check_errors({
        {R"(
[[providers]]
id = "acme"

[[providers]]
id = "acme"
)",
         "test.toml:5:6: providers[1].id: duplicate provider id \"acme\" (first defined at line "
         "2)"},
        {R"(
[[rules]]
name = "Down"
[[rules]]
name = "Up"
[[rules]]
name = "Down"
)",
         "test.toml:6:8: rules[2].name: duplicate rule name \"Down\" (first defined at line 2)"},
        {R"(
[[receivers]]
name = "log"
kind = "log"
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "log"
)",
         "test.toml:5:8: receivers[1].name: duplicate receiver name \"log\" (first defined at "
         "line 2)"},
        // A second probe "p" after the test probe's lines 4–7.
        {probe_with("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/b\"\n"),
         "test.toml:9:6: probes[1].id: duplicate probe id \"p\" (first defined at line 5)"},
    });
}

TEST_CASE("config: dangling references list the known names", "[config][unit]") {
    check_errors({
        {with_provider(R"(
[[providers]]
id = "beta"
[[probes]]
id = "p"
provider = "acmee"
url = "http://x.example/"
)"),
         "test.toml:8:12: probes[0].provider: unknown provider \"acmee\" (did you mean "
         "\"acme\"?); known providers: \"acme\", \"beta\""},
        // A rule to an unknown probe, at the array element.
        {with_provider(R"(
[[probes]]
id = "p1"
provider = "acme"
path = "/x"
[[rules]]
name = "Down"
probes = ["p1", "zzz"]
)"),
         "test.toml:10:17: rules[0].probes[1]: unknown probe \"zzz\"; known probes: \"p1\""},
        {R"(
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "slack"
)",
         "test.toml:5:12: route.receiver: unknown receiver \"slack\"; known receivers: \"log\""},
        {"[route]\nreceiver = \"slack\"\n",
         "test.toml:2:12: route.receiver: unknown receiver \"slack\"; no receivers are "
         "defined"},
        // A path on a provider without base_url.
        {R"(
[[providers]]
id = "bare"
[[probes]]
id = "p"
provider = "bare"
path = "/x"
)",
         "test.toml:6:8: probes[0].path: provider \"bare\" has no base_url: set it, or give this "
         "probe a full url"},
    });
}

TEST_CASE("config: rule thresholds must be at least 1", "[config][unit]") {
    check_errors({
        {"[[rules]]\nname = \"R\"\nfailures = 0\n",
         "test.toml:3:12: rules[0].failures: must be at least 1, got 0"},
        {"[[rules]]\nname = \"R\"\nsuccesses = -2\n",
         "test.toml:3:13: rules[0].successes: must be at least 1, got -2"},
        {"[[rules]]\nname = \"R\"\nfailures = 3000000000\n",
         "test.toml:3:12: rules[0].failures: must be at most 2147483647, got 3000000000"},
    });
}

TEST_CASE("config: unknown kinds list the known kinds sorted", "[config][unit]") {
    check_errors({
        {with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/\"\n"
                       "kind = \"htp\"\n"),
         "test.toml:8:8: probes[0].kind: unknown probe kind \"htp\" (did you mean \"http\"?); "
         "known kinds: dns, heartbeat, http, scenario, tcp, tls"},
        {"[[rules]]\nname = \"R\"\nkind = \"traffic_los\"\n",
         "test.toml:3:8: rules[0].kind: unknown rule kind \"traffic_los\" (did you mean "
         "\"traffic_loss\"?); known kinds: balance, downtime, latency, traffic_loss"},
        {"[[receivers]]\nname = \"r\"\nkind = \"slak\"\n[route]\nreceiver = \"r\"\n",
         "test.toml:3:8: receivers[0].kind: unknown receiver kind \"slak\" (did you mean "
         "\"slack\"?); known kinds: alertmanager, email, log, opsgenie, pagerduty, slack, teams, "
         "telegram, webhook, whatsapp"},
    });
}

TEST_CASE("config: severity, log level and log format are checked", "[config][unit]") {
    check_errors({
        {"[[rules]]\nname = \"R\"\nseverity = \"page\"\n",
         "test.toml:3:12: rules[0].severity: unknown severity \"page\"; known values: critical, "
         "info, warning"},
        {"[logging]\nlevel = \"wran\"\n",
         "test.toml:2:9: logging.level: unknown log level \"wran\" (did you mean \"warn\"?); "
         "known values: critical, debug, error, info, off, trace, warn"},
        {"[logging]\nformat = \"logfmt\"\n",
         "test.toml:2:10: logging.format: unknown log format \"logfmt\"; known values: json, "
         "text"},
    });
}

TEST_CASE("config: server.listen must be host:port and non-loopback needs a token",
          "[config][unit]") {
    for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:65536",
                            "::1:9464", "[::1]9464", "host name:80"}) {
        INFO(bad);
        CHECK_THAT(error_of(std::string("[server]\nlisten = \"") + bad + "\"\n"),
                   StartsWith("test.toml:2:10: server.listen: invalid listen address"));
    }
    check_errors({{"[server]\nlisten = \"0.0.0.0:9464\"\n",
                   "test.toml:2:10: server.listen: admin routes need a token unless listen is "
                   "loopback: set admin_token_env or admin_token_file"}});
}

TEST_CASE("config: receiver url rules", "[config][unit]") {
    // A receiver "r" with `lines` (from line 3 on) and the route to it.
    const auto receiver = [](std::string_view lines) {
        return "[[receivers]]\nname = \"r\"\n" + std::string(lines) + "[route]\nreceiver = \"r\"\n";
    };
    check_errors(
        {
            {"kind = \"webhook\"\n",
             "test.toml:1:1: receivers[0]: webhook receivers need one of url, url_env or "
             "url_file"},
            {"kind = \"log\"\nurl = \"http://x.example\"\n",
             "test.toml:4:7: receivers[0].url: log receivers take no url"},
            {"kind = \"webhook\"\nurl = \"http://x.example\"\nurl_env = \"HOOK\"\n",
             "test.toml:5:11: receivers[0].url_env: set only one of url, url_env or url_file"},
            {"kind = \"webhook\"\nurl = \"x.example\"\n",
             "test.toml:4:7: receivers[0].url: must start with http:// or https://"},
            {"kind = \"log\"\nmax_attempts = 0\n",
             "test.toml:4:16: receivers[0].max_attempts: must be at least 1, got 0"},
            {"kind = \"log\"\ninitial_backoff = \"10s\"\nmax_backoff = \"5s\"\n",
             "test.toml:5:15: receivers[0].max_backoff: max_backoff (5s) must not be less than "
             "initial_backoff (10s)"},
        },
        receiver);
}

TEST_CASE("config: receivers without a [route] are an error", "[config][unit]") {
    CHECK(error_of("[[receivers]]\nname = \"r\"\nkind = \"log\"\n") ==
          "test.toml:1:1: route: missing required table [route]: receivers are defined, so "
          "route.receiver must name the one alerts go to");
}

TEST_CASE("config: label and annotation names are checked", "[config][unit]") {
    check_errors({
        {"[[providers]]\nid = \"a\"\nlabels = { 1tier = \"x\" }\n",
         "test.toml:3:12: providers[0].labels.1tier: invalid name \"1tier\": must match "
         "[a-zA-Z_][a-zA-Z0-9_]*"},
        {"[[providers]]\nid = \"a\"\nlabels = { tier = 1 }\n",
         "test.toml:3:19: providers[0].labels.tier: expected a string, got integer"},
        {"[[providers]]\nid = \"a\"\nlabels = { tier = \"\" }\n",
         "test.toml:3:19: providers[0].labels.tier: label value must not be empty"},
        {"[[rules]]\nname = \"R\"\nannotations = { runbook-url = \"x\" }\n",
         "test.toml:3:17: rules[0].annotations.runbook-url: invalid name \"runbook-url\": must "
         "match [a-zA-Z_][a-zA-Z0-9_]*"},
    });
}

TEST_CASE("config: every error is collected, in file order", "[config][unit]") {
    const auto errors = errors_of(R"(
[server]
listen = "nope"

[[providers]]
id = "acme"
base_url = "http://acme.example"
labels = { "bad-name" = "x" }

[[probes]]
id = "p"
provider = "acme"
path = "/x"
intervall = "30s"
timeout = 10

[[rules]]
name = "Down"
probes = ["q"]
failures = 0
)");
    CHECK(errors == std::vector<std::string>{
                        "test.toml:2:10: server.listen: invalid listen address \"nope\": expected "
                        "host:port such as \"127.0.0.1:9464\" or \"[::1]:9464\"",
                        "test.toml:7:12: providers[0].labels.bad-name: invalid name \"bad-name\": "
                        "must match [a-zA-Z_][a-zA-Z0-9_]*",
                        "test.toml:13:1: probes[0].intervall: unknown key \"intervall\" (did you "
                        "mean \"interval\"?); known keys: body, body_file, dns, expect, "
                        "expected_status, extract, extract_labels, follow_redirects, grace, "
                        "headers, id, interval, ip_version, jitter, keep_alive, kind, labels, "
                        "max_redirects, max_response_size, method and 15 more",
                        "test.toml:14:11: probes[0].timeout: expected a duration string such as "
                        "\"30s\", got integer (durations need a unit: ms, s, m, h, d, w)",
                        "test.toml:18:11: rules[0].probes[0]: unknown probe \"q\"; known probes: "
                        "\"p\"",
                        "test.toml:19:12: rules[0].failures: must be at least 1, got 0"});
}

TEST_CASE("config: load_file reports an unreadable file", "[config][unit]") {
    auto result = load_file("/nonexistent/noctua.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 1);
    CHECK(result.error()[0].to_string() ==
          "/nonexistent/noctua.toml: cannot read file \"/nonexistent/noctua.toml\": No such file "
          "or directory");
}

TEST_CASE("config: [cluster] shard is i/N from 0, and a bad one is an error at its value",
          "[config][unit]") {
    auto ok = noctua::config::load_string("[cluster]\nshard = \"1/3\"\n", "test.toml");
    REQUIRE(ok);
    CHECK(ok->cluster.shard == noctua::core::Shard{1, 3});
    CHECK_THAT(noctua::config::summary(*ok), Catch::EndsWith(", shard 1/3"));
    auto none = noctua::config::load_string("", "test.toml");
    REQUIRE(none);
    CHECK(none->cluster.shard == noctua::core::Shard{});
    check_errors({
        {"[cluster]\nshard = \"2/2\"\n",
         "test.toml:2:9: cluster.shard: shard index 2 is out of range: of 2 shards the indices "
         "are 0 to 1"},
        {"[cluster]\nshard = \"half\"\n",
         "test.toml:2:9: cluster.shard: \"half\" is not a shard: write \"i/N\", this "
         "instance's index i (from 0) of N instances, e.g. \"0/2\""},
        {"[cluster]\nshard = 2\n", "test.toml:2:9: cluster.shard: expected a string, got integer"},
    });
    CHECK_THAT(error_of("[cluster]\nshards = \"0/2\"\n"),
               StartsWith("test.toml:2:1: cluster.shards: unknown key \"shards\""));
}
