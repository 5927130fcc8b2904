#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string_view strip_first_newline(std::string_view text) {
    if (text.starts_with('\n')) text.remove_prefix(1);
    return text;
}

/// Every error of an invalid document, as `test.toml:L:C: key: message` lines.
std::vector<std::string> errors_of(std::string_view toml) {
    return noctua::testing::error_lines(strip_first_newline(toml), "test.toml",
                                        noctua::testing::builtin_kind_parsers());
}

/// The single error of an invalid document.
std::string error_of(std::string_view toml) {
    return noctua::testing::single_error(strip_first_newline(toml), "test.toml",
                                         noctua::testing::builtin_kind_parsers());
}

// A valid provider to hang probes on (lines 1–3).
constexpr std::string_view kProvider = R"([[providers]]
id = "acme"
base_url = "http://acme.example/api"
)";

std::string with_provider(std::string_view rest) {
    return std::string(kProvider) + std::string(strip_first_newline(rest));
}

/// Whether a probe on the test provider with `line` added loads.
bool with_provider_loads(std::string_view line) {
    return load_string(with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = "
                                     "\"/x\"\n" +
                                     std::string(line) + "\n"),
                       "test.toml", noctua::testing::builtin_kind_parsers())
        .has_value();
}

}  // namespace

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
    CHECK_THAT(error("a = 1\nb = \"\xc3\xa9\xc3\xa9\xff\"\n"),
               StartsWith("u.toml:2:8: invalid UTF-8: byte 0xff (byte offset 15)"));
    // A truncated sequence, a surrogate, an overlong form, past U+10FFFF, a bare continuation.
    CHECK_THAT(error("a = \"x\xe2\x82\"\n"), StartsWith("u.toml:1:7: invalid UTF-8: byte 0xe2"));
    CHECK_THAT(error("a = \"\xed\xa0\x80\"\n"), StartsWith("u.toml:1:6: invalid UTF-8: byte 0xed"));
    CHECK_THAT(error("a = \"\xc0\xaf\"\n"), StartsWith("u.toml:1:6: invalid UTF-8: byte 0xc0"));
    CHECK_THAT(error("a = \"\xf4\x90\x80\x80\"\n"),
               StartsWith("u.toml:1:6: invalid UTF-8: byte 0xf4"));
    CHECK_THAT(error("# \x80\n"), StartsWith("u.toml:1:3: invalid UTF-8: byte 0x80 (byte offset 2)"));
    CHECK_THAT(error("\xff"), StartsWith("u.toml:1:1: invalid UTF-8: byte 0xff (byte offset 0)"));
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
        CHECK(error_of("database = 1\n") ==
              "test.toml:1:1: database: unknown key \"database\"; known keys: cluster, escalations, "
              "external_url, inhibit, logging, probes, probing, providers, receivers, route, rules, server, "
              "status_reports, status_tests, storage, streams, time_intervals, windows");
    }
}

TEST_CASE("config: wrong types name the expected and the actual type", "[config][unit]") {
    CHECK(error_of(R"(
[[providers]]
id = "acme"
name = 5
)") == "test.toml:3:8: providers[0].name: expected a string, got integer");
    CHECK(error_of("[logging]\nlevel = [\"info\"]\n") ==
          "test.toml:2:9: logging.level: expected a string, got array");
    CHECK(error_of("providers = \"acme\"\n") ==
          "test.toml:1:13: providers: expected an array of tables ([[providers]]), got string");
    CHECK(error_of("[providers]\nid = \"acme\"\n") ==
          "test.toml:1:1: providers: expected an array of tables ([[providers]]), got table");
    CHECK(error_of("server = 1\n") ==
          "test.toml:1:10: server: expected a table ([server]), got integer");
    CHECK(error_of(with_provider(R"(
[[probes]]
id = "p"
provider = "acme"
path = "/x"
follow_redirects = "yes"
)")) == "test.toml:8:20: probes[0].follow_redirects: expected a boolean (true or false), got "
        "string");
    CHECK(error_of("[[rules]]\nname = \"R\"\nfailures = 2.5\n") ==
          "test.toml:3:12: rules[0].failures: expected an integer, got floating-point");
    CHECK(error_of("[[rules]]\nname = \"R\"\nprobes = [\"a\", 1]\n") ==
          "test.toml:3:16: rules[0].probes[1]: expected a string, got integer");
}

TEST_CASE("config: a missing required key is reported at its parent table", "[config][unit]") {
    CHECK(error_of(R"(
[[providers]]
id = "acme"

[[providers]]
name = "Beta"
)") == "test.toml:4:1: providers[1]: missing required key \"id\"");
    CHECK(error_of("[[rules]]\nkind = \"downtime\"\n") ==
          "test.toml:1:1: rules[0]: missing required key \"name\"");
    CHECK(error_of("[[receivers]]\nname = \"r\"\n[route]\nreceiver = \"r\"\n") ==
          "test.toml:1:1: receivers[0]: missing required key \"kind\"");
    CHECK(error_of("[[receivers]]\nname = \"r\"\nkind = \"log\"\n[route]\n") ==
          "test.toml:4:1: route: missing required key \"receiver\"");
    auto probe = errors_of(with_provider("[[probes]]\npath = \"/x\"\n"));
    CHECK(probe ==
          std::vector<std::string>{"test.toml:4:1: probes[0]: missing required key \"id\"",
                                   "test.toml:4:1: probes[0]: missing required key \"provider\""});
}

TEST_CASE("config: durations need units and bare integers get a hint", "[config][unit]") {
    const auto probe = [](std::string_view line) {
        return error_of(
            with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/x\"\n" +
                          std::string(line) + "\n"));
    };
    CHECK(probe("interval = 30") ==
          "test.toml:8:12: probes[0].interval: expected a duration string such as \"30s\", got "
          "integer (durations need a unit: ms, s, m, h, d, w)");
    CHECK_THAT(probe("interval = \"30\""),
               StartsWith("test.toml:8:12: probes[0].interval: invalid duration \"30\"") &&
                   Contains("unit"));
    CHECK_THAT(probe("timeout = \"5x\""),
               StartsWith("test.toml:8:11: probes[0].timeout: invalid duration \"5x\""));
    CHECK_THAT(error_of("[server]\nread_timeout = 10\n"),
               StartsWith("test.toml:2:16: server.read_timeout: expected a duration string"));
}

TEST_CASE("config: durations are range-checked, with the maximum in the message",
          "[config][unit]") {
    const auto probe = [](std::string_view lines) {
        return error_of(
            with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/x\"\n" +
                          std::string(lines) + "\n"));
    };
    // Past what a nanosecond clock holds: the scheduler's sums would wrap around.
    CHECK(probe("interval = \"999999999999999999999999h\"") ==
          "test.toml:8:12: probes[0].interval: duration \"999999999999999999999999h\" is too "
          "large: at most 15250w1d23h47m16s854ms (about 292 years)");
    CHECK(probe("interval = \"9223372036854776s\"") ==
          "test.toml:8:12: probes[0].interval: duration \"9223372036854776s\" is too large: at "
          "most 15250w1d23h47m16s854ms (about 292 years)");
    // Representable, but no probe interval that long makes sense.
    CHECK(probe("interval = \"106751d\"\njitter = \"0s\"") ==
          "test.toml:8:12: probes[0].interval: must be at most 4w, got 15250w1d");
    CHECK(probe("interval = \"5w\"") == "test.toml:8:12: probes[0].interval: must be at most 4w, "
                                       "got 5w");
    CHECK(with_provider_loads("interval = \"4w\""));
    // Every other duration key: at most about ten years.
    CHECK(error_of("[server]\nread_timeout = \"521w\"\n") ==
          "test.toml:2:16: server.read_timeout: must be at most 520w, got 521w");
    CHECK(error_of("[windows]\nretention = \"15250w\"\n") ==
          "test.toml:2:13: windows.retention: must be at most 520w, got 15250w");
}

TEST_CASE("config: sizes need units", "[config][unit]") {
    CHECK(error_of("[server]\nbody_limit = 1048576\n") ==
          "test.toml:2:14: server.body_limit: expected a size string such as \"1MiB\", got "
          "integer (sizes need a unit: B, KB, MB, GB, KiB, MiB, GiB)");
    CHECK_THAT(error_of("[server]\nbody_limit = \"1mb\"\n"),
               StartsWith("test.toml:2:14: server.body_limit: invalid size \"1mb\": missing or "
                          "unknown unit"));
    CHECK(error_of("[server]\nbody_limit = \"0B\"\n") ==
          "test.toml:2:14: server.body_limit: must be greater than 0");
}

TEST_CASE("config: ids must match [a-zA-Z0-9_.-]+", "[config][unit]") {
    CHECK(error_of("[[providers]]\nid = \"acme corp\"\n") ==
          "test.toml:2:6: providers[0].id: invalid id \"acme corp\": use letters, digits, '_', "
          "'.' and '-'");
    CHECK(error_of("[[rules]]\nname = \"\"\n") ==
          "test.toml:2:8: rules[0].name: invalid id \"\": use letters, digits, '_', '.' and '-'");
}

TEST_CASE("config: duplicate ids and names point at the first definition", "[config][unit]") {
    CHECK(error_of(R"(
[[providers]]
id = "acme"

[[providers]]
id = "acme"
)") == "test.toml:5:6: providers[1].id: duplicate provider id \"acme\" (first defined at line 2)");
    CHECK(error_of(R"(
[[rules]]
name = "Down"
[[rules]]
name = "Up"
[[rules]]
name = "Down"
)") == "test.toml:6:8: rules[2].name: duplicate rule name \"Down\" (first defined at line 2)");
    CHECK(error_of(R"(
[[receivers]]
name = "log"
kind = "log"
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "log"
)") == "test.toml:5:8: receivers[1].name: duplicate receiver name \"log\" (first defined at "
       "line 2)");
    CHECK(error_of(with_provider(R"(
[[probes]]
id = "p"
provider = "acme"
path = "/a"
[[probes]]
id = "p"
provider = "acme"
path = "/b"
)")) == "test.toml:9:6: probes[1].id: duplicate probe id \"p\" (first defined at line 5)");
}

TEST_CASE("config: dangling references list the known names", "[config][unit]") {
    SECTION("probe to an unknown provider") {
        CHECK(error_of(with_provider(R"(
[[providers]]
id = "beta"
[[probes]]
id = "p"
provider = "acmee"
url = "http://x.example/"
)")) == "test.toml:8:12: probes[0].provider: unknown provider \"acmee\" (did you mean "
        "\"acme\"?); known providers: \"acme\", \"beta\"");
    }
    SECTION("rule to an unknown probe, at the array element") {
        CHECK(error_of(with_provider(R"(
[[probes]]
id = "p1"
provider = "acme"
path = "/x"
[[rules]]
name = "Down"
probes = ["p1", "zzz"]
)")) == "test.toml:10:17: rules[0].probes[1]: unknown probe \"zzz\"; known probes: \"p1\"");
    }
    SECTION("route to an unknown receiver") {
        CHECK(error_of(R"(
[[receivers]]
name = "log"
kind = "log"
[route]
receiver = "slack"
)") == "test.toml:5:12: route.receiver: unknown receiver \"slack\"; known receivers: \"log\"");
        CHECK(error_of("[route]\nreceiver = \"slack\"\n") ==
              "test.toml:2:12: route.receiver: unknown receiver \"slack\"; no receivers are "
              "defined");
    }
    SECTION("path on a provider without base_url") {
        CHECK(error_of(R"(
[[providers]]
id = "bare"
[[probes]]
id = "p"
provider = "bare"
path = "/x"
)") == "test.toml:6:8: probes[0].path: provider \"bare\" has no base_url: set it, or give this "
       "probe a full url");
    }
}

TEST_CASE("config: probe target needs exactly one of path and url", "[config][unit]") {
    const auto probe = [](std::string_view lines) {
        return error_of(
            with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\n" + std::string(lines)));
    };
    CHECK(probe("") ==
          "test.toml:4:1: probes[0]: one of path (relative to the provider's "
          "base_url) or url is required");
    CHECK(probe("path = \"/x\"\nurl = \"http://x.example\"\n") ==
          "test.toml:8:7: probes[0].url: set only one of path or url");
    CHECK(probe("path = \"accounts\"\n") ==
          "test.toml:7:8: probes[0].path: path \"accounts\" must start with '/'");
    CHECK(probe("url = \"ftp://x.example\"\n") ==
          "test.toml:7:7: probes[0].url: must start with http:// or https://");
    CHECK(error_of("[[providers]]\nid = \"a\"\nbase_url = \"acme.example\"\n") ==
          "test.toml:3:12: providers[0].base_url: must start with http:// or https://");
    CHECK(error_of("external_url = \"noc:9464\"\n") ==
          "test.toml:1:16: external_url: must start with http:// or https://");
}

TEST_CASE("config: probe schedule limits", "[config][unit]") {
    const auto probe = [](std::string_view lines) {
        return error_of(with_provider(
            "[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/x\"\n" + std::string(lines)));
    };
    CHECK(probe("interval = \"10s\"\ntimeout = \"15s\"\n") ==
          "test.toml:9:11: probes[0].timeout: timeout (15s) must not exceed interval (10s)");
    CHECK(probe("interval = \"500ms\"\ntimeout = \"100ms\"\n") ==
          "test.toml:8:12: probes[0].interval: must be at least 1s, got 500ms");
    CHECK(probe("interval = \"5s\"\n") ==
          "test.toml:8:12: probes[0].interval: interval (5s) is shorter than the default "
          "timeout (10s): set a timeout no longer than the interval");
    CHECK(probe("interval = \"10s\"\ntimeout = \"5s\"\njitter = \"10s\"\n") ==
          "test.toml:10:10: probes[0].jitter: jitter (10s) must be less than interval (10s)");
    CHECK(probe("timeout = \"0s\"\n") ==
          "test.toml:8:11: probes[0].timeout: must be greater than 0");
}

TEST_CASE("config: probe request and response keys are validated", "[config][unit]") {
    const auto probe = [](std::string_view lines) {
        return error_of(with_provider(
            "[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/x\"\n" + std::string(lines)));
    };
    CHECK(probe("method = \"get\"\n") ==
          "test.toml:8:10: probes[0].method: unknown method \"get\"; known methods: DELETE, GET, "
          "HEAD, OPTIONS, PATCH, POST, PUT");
    CHECK(probe("headers = { \"Bad Header\" = \"x\" }\n") ==
          "test.toml:8:13: probes[0].headers.Bad Header: invalid name \"Bad Header\": must match "
          "HTTP token characters");
    CHECK(probe("expected_status = \"2xy\"\n") ==
          "test.toml:8:19: probes[0].expected_status: invalid status \"2xy\": expected a status "
          "code such as 200, a class such as \"2xx\" or a range such as \"200-299\"");
    CHECK(probe("expected_status = [200, 700]\n") ==
          "test.toml:8:25: probes[0].expected_status[1]: status 700 is not between 100 and 599");
    CHECK(probe("expected_status = [\"299-200\"]\n") ==
          "test.toml:8:20: probes[0].expected_status[0]: invalid status range \"299-200\": the "
          "lower code must come first");
    CHECK(probe("expected_status = []\n") ==
          "test.toml:8:19: probes[0].expected_status: must not be empty");
    CHECK(probe("expected_status = true\n") ==
          "test.toml:8:19: probes[0].expected_status: expected a status code such as 200, a "
          "class such as \"2xx\" or a range such as \"200-299\", got boolean");
    CHECK(probe("max_response_size = \"1GiBs\"\n") ==
          "test.toml:8:21: probes[0].max_response_size: invalid size \"1GiBs\": missing or "
          "unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
}

TEST_CASE("config: rule thresholds must be at least 1", "[config][unit]") {
    CHECK(error_of("[[rules]]\nname = \"R\"\nfailures = 0\n") ==
          "test.toml:3:12: rules[0].failures: must be at least 1, got 0");
    CHECK(error_of("[[rules]]\nname = \"R\"\nsuccesses = -2\n") ==
          "test.toml:3:13: rules[0].successes: must be at least 1, got -2");
    CHECK(error_of("[[rules]]\nname = \"R\"\nfailures = 3000000000\n") ==
          "test.toml:3:12: rules[0].failures: must be at most 2147483647, got 3000000000");
}

TEST_CASE("config: unknown kinds list the known kinds sorted", "[config][unit]") {
    CHECK(error_of(with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/\"\n"
                                 "kind = \"htp\"\n")) ==
          "test.toml:8:8: probes[0].kind: unknown probe kind \"htp\" (did you mean \"http\"?); "
          "known kinds: dns, heartbeat, http, scenario, tcp, tls");
    CHECK(error_of("[[rules]]\nname = \"R\"\nkind = \"traffic_los\"\n") ==
          "test.toml:3:8: rules[0].kind: unknown rule kind \"traffic_los\" (did you mean "
          "\"traffic_loss\"?); known kinds: balance, downtime, latency, traffic_loss");
    CHECK(error_of("[[receivers]]\nname = \"r\"\nkind = \"slak\"\n[route]\nreceiver = \"r\"\n") ==
          "test.toml:3:8: receivers[0].kind: unknown receiver kind \"slak\" (did you mean "
          "\"slack\"?); known kinds: alertmanager, email, log, opsgenie, pagerduty, slack, teams, "
          "telegram, webhook, whatsapp");
}

TEST_CASE("config: severity, log level and log format are checked", "[config][unit]") {
    CHECK(error_of("[[rules]]\nname = \"R\"\nseverity = \"page\"\n") ==
          "test.toml:3:12: rules[0].severity: unknown severity \"page\"; known values: critical, "
          "info, warning");
    CHECK(error_of("[logging]\nlevel = \"wran\"\n") ==
          "test.toml:2:9: logging.level: unknown log level \"wran\" (did you mean \"warn\"?); "
          "known values: critical, debug, error, info, off, trace, warn");
    CHECK(error_of("[logging]\nformat = \"logfmt\"\n") ==
          "test.toml:2:10: logging.format: unknown log format \"logfmt\"; known values: json, "
          "text");
}

TEST_CASE("config: server.listen must be host:port and non-loopback needs a token",
          "[config][unit]") {
    for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:65536",
                            "::1:9464", "[::1]9464", "host name:80"}) {
        INFO(bad);
        CHECK_THAT(error_of(std::string("[server]\nlisten = \"") + bad + "\"\n"),
                   StartsWith("test.toml:2:10: server.listen: invalid listen address"));
    }
    CHECK(error_of("[server]\nlisten = \"0.0.0.0:9464\"\n") ==
          "test.toml:2:10: server.listen: admin routes need a token unless listen is loopback: "
          "set admin_token_env or admin_token_file");
}

TEST_CASE("config: receiver url rules", "[config][unit]") {
    const auto receiver = [](std::string_view lines) {
        return error_of("[[receivers]]\nname = \"r\"\n" + std::string(lines) +
                        "[route]\nreceiver = \"r\"\n");
    };
    CHECK(receiver("kind = \"webhook\"\n") ==
          "test.toml:1:1: receivers[0]: webhook receivers need one of url, url_env or url_file");
    CHECK(receiver("kind = \"log\"\nurl = \"http://x.example\"\n") ==
          "test.toml:4:7: receivers[0].url: log receivers take no url");
    CHECK(receiver("kind = \"webhook\"\nurl = \"http://x.example\"\nurl_env = \"HOOK\"\n") ==
          "test.toml:5:11: receivers[0].url_env: set only one of url, url_env or url_file");
    CHECK(receiver("kind = \"webhook\"\nurl = \"x.example\"\n") ==
          "test.toml:4:7: receivers[0].url: must start with http:// or https://");
    CHECK(receiver("kind = \"log\"\nmax_attempts = 0\n") ==
          "test.toml:4:16: receivers[0].max_attempts: must be at least 1, got 0");
    CHECK(receiver("kind = \"log\"\ninitial_backoff = \"10s\"\nmax_backoff = \"5s\"\n") ==
          "test.toml:5:15: receivers[0].max_backoff: max_backoff (5s) must not be less than "
          "initial_backoff (10s)");
}

TEST_CASE("config: receivers without a [route] are an error", "[config][unit]") {
    CHECK(error_of("[[receivers]]\nname = \"r\"\nkind = \"log\"\n") ==
          "test.toml:1:1: route: missing required table [route]: receivers are defined, so "
          "route.receiver must name the one alerts go to");
}

TEST_CASE("config: label and annotation names are checked", "[config][unit]") {
    CHECK(error_of("[[providers]]\nid = \"a\"\nlabels = { 1tier = \"x\" }\n") ==
          "test.toml:3:12: providers[0].labels.1tier: invalid name \"1tier\": must match "
          "[a-zA-Z_][a-zA-Z0-9_]*");
    CHECK(error_of("[[providers]]\nid = \"a\"\nlabels = { tier = 1 }\n") ==
          "test.toml:3:19: providers[0].labels.tier: expected a string, got integer");
    CHECK(error_of("[[providers]]\nid = \"a\"\nlabels = { tier = \"\" }\n") ==
          "test.toml:3:19: providers[0].labels.tier: label value must not be empty");
    CHECK(error_of("[[rules]]\nname = \"R\"\nannotations = { runbook-url = \"x\" }\n") ==
          "test.toml:3:17: rules[0].annotations.runbook-url: invalid name \"runbook-url\": must "
          "match [a-zA-Z_][a-zA-Z0-9_]*");
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
    CHECK(error_of("[cluster]\nshard = \"2/2\"\n") ==
          "test.toml:2:9: cluster.shard: shard index 2 is out of range: of 2 shards the indices "
          "are 0 to 1");
    CHECK(error_of("[cluster]\nshard = \"half\"\n") ==
          "test.toml:2:9: cluster.shard: \"half\" is not a shard: write \"i/N\", this "
          "instance's index i (from 0) of N instances, e.g. \"0/2\"");
    CHECK(error_of("[cluster]\nshard = 2\n") ==
          "test.toml:2:9: cluster.shard: expected a string, got integer");
    CHECK_THAT(error_of("[cluster]\nshards = \"0/2\"\n"),
               StartsWith("test.toml:2:1: cluster.shards: unknown key \"shards\""));
}
