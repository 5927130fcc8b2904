// Errors in [[probes]] entries: durations and their ranges, the target, the schedule, the
// request and the expected response, each at its position.
#include <catch2/catch.hpp>

#include <string>

#include "error_cases.hpp"

using namespace noctua::config_errors_test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("config: durations need units and bare integers get a hint", "[config][unit]") {
    check_errors({{"interval = 30\n",
                   "test.toml:8:12: probes[0].interval: expected a duration string such as "
                   "\"30s\", got integer (durations need a unit: ms, s, m, h, d, w)"}},
                 probe_with);
    CHECK_THAT(error_of(probe_with("interval = \"30\"\n")),
               StartsWith("test.toml:8:12: probes[0].interval: invalid duration \"30\"") &&
                   Contains("unit"));
    CHECK_THAT(error_of(probe_with("timeout = \"5x\"\n")),
               StartsWith("test.toml:8:11: probes[0].timeout: invalid duration \"5x\""));
    CHECK_THAT(error_of("[server]\nread_timeout = 10\n"),
               StartsWith("test.toml:2:16: server.read_timeout: expected a duration string"));
}

TEST_CASE("config: durations are range-checked, with the maximum in the message",
          "[config][unit]") {
    check_errors(
        {
            // Past what a nanosecond clock holds: the scheduler's sums would wrap around.
            {"interval = \"999999999999999999999999h\"\n",
             "test.toml:8:12: probes[0].interval: duration \"999999999999999999999999h\" is too "
             "large: at most 15250w1d23h47m16s854ms (about 292 years)"},
            {"interval = \"9223372036854776s\"\n",
             "test.toml:8:12: probes[0].interval: duration \"9223372036854776s\" is too large: "
             "at most 15250w1d23h47m16s854ms (about 292 years)"},
            // Representable, but no probe interval that long makes sense.
            {"interval = \"106751d\"\njitter = \"0s\"\n",
             "test.toml:8:12: probes[0].interval: must be at most 4w, got 15250w1d"},
            {"interval = \"5w\"\n",
             "test.toml:8:12: probes[0].interval: must be at most 4w, got 5w"},
        },
        probe_with);
    CHECK(with_provider_loads("interval = \"4w\""));
    // Every other duration key: at most about ten years.
    check_errors({
        {"[server]\nread_timeout = \"521w\"\n",
         "test.toml:2:16: server.read_timeout: must be at most 520w, got 521w"},
        {"[windows]\nretention = \"15250w\"\n",
         "test.toml:2:13: windows.retention: must be at most 520w, got 15250w"},
    });
}

TEST_CASE("config: probe target needs exactly one of path and url", "[config][unit]") {
    // A probe "p" on the test provider (lines 4–6), with neither path nor url of its own.
    const auto probe = [](std::string_view lines) {
        return with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\n" + std::string(lines));
    };
    check_errors(
        {
            {"",
             "test.toml:4:1: probes[0]: one of path (relative to the provider's base_url) or url "
             "is required"},
            {"path = \"/x\"\nurl = \"http://x.example\"\n",
             "test.toml:8:7: probes[0].url: set only one of path or url"},
            {"path = \"accounts\"\n",
             "test.toml:7:8: probes[0].path: path \"accounts\" must start with '/'"},
            {"url = \"ftp://x.example\"\n",
             "test.toml:7:7: probes[0].url: must start with http:// or https://"},
        },
        probe);
    check_errors({
        {"[[providers]]\nid = \"a\"\nbase_url = \"acme.example\"\n",
         "test.toml:3:12: providers[0].base_url: must start with http:// or https://"},
        {"external_url = \"noc:9464\"\n",
         "test.toml:1:16: external_url: must start with http:// or https://"},
    });
}

TEST_CASE("config: probe schedule limits", "[config][unit]") {
    check_errors(
        {
            {"interval = \"10s\"\ntimeout = \"15s\"\n",
             "test.toml:9:11: probes[0].timeout: timeout (15s) must not exceed interval (10s)"},
            {"interval = \"500ms\"\ntimeout = \"100ms\"\n",
             "test.toml:8:12: probes[0].interval: must be at least 1s, got 500ms"},
            {"interval = \"5s\"\n",
             "test.toml:8:12: probes[0].interval: interval (5s) is shorter than the default "
             "timeout (10s): set a timeout no longer than the interval"},
            {"interval = \"10s\"\ntimeout = \"5s\"\njitter = \"10s\"\n",
             "test.toml:10:10: probes[0].jitter: jitter (10s) must be less than interval (10s)"},
            {"timeout = \"0s\"\n", "test.toml:8:11: probes[0].timeout: must be greater than 0"},
        },
        probe_with);
}

TEST_CASE("config: probe request and response keys are validated", "[config][unit]") {
    check_errors(
        {
            {"method = \"get\"\n",
             "test.toml:8:10: probes[0].method: unknown method \"get\"; known methods: DELETE, "
             "GET, HEAD, OPTIONS, PATCH, POST, PUT"},
            {"headers = { \"Bad Header\" = \"x\" }\n",
             "test.toml:8:13: probes[0].headers.Bad Header: invalid name \"Bad Header\": must "
             "match HTTP token characters"},
            {"expected_status = \"2xy\"\n",
             "test.toml:8:19: probes[0].expected_status: invalid status \"2xy\": expected a "
             "status code such as 200, a class such as \"2xx\" or a range such as \"200-299\""},
            {"expected_status = [200, 700]\n",
             "test.toml:8:25: probes[0].expected_status[1]: status 700 is not between 100 and "
             "599"},
            {"expected_status = [\"299-200\"]\n",
             "test.toml:8:20: probes[0].expected_status[0]: invalid status range \"299-200\": "
             "the lower code must come first"},
            {"expected_status = []\n",
             "test.toml:8:19: probes[0].expected_status: must not be empty"},
            {"expected_status = true\n",
             "test.toml:8:19: probes[0].expected_status: expected a status code such as 200, a "
             "class such as \"2xx\" or a range such as \"200-299\", got boolean"},
            {"max_response_size = \"1GiBs\"\n",
             "test.toml:8:21: probes[0].max_response_size: invalid size \"1GiBs\": missing or "
             "unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"},
        },
        probe_with);
}
