#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/detect/kinds/downtime.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua;
using namespace noctua::config;
using namespace std::chrono_literals;

namespace {

// Raw strings start with a newline for readability; drop it so line 1 is the first TOML line.
std::string_view strip_first_newline(std::string_view text) {
    if (text.starts_with('\n')) text.remove_prefix(1);
    return text;
}

Config load_ok(std::string_view toml) {
    auto result = load_string(strip_first_newline(toml), "test.toml", noctua::testing::builtin_kind_parsers());
    if (!result) {
        for (const auto& e : result.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(result.has_value());
    return std::move(*result);
}

constexpr std::string_view kFull = R"(
external_url = "https://noc.example:9464/"

[logging]
level = "debug"
format = "json"

[server]
listen = "127.0.0.1:0"
body_limit = "512KiB"
read_timeout = "5s"
shutdown_timeout = "20s"

[[providers]]
id = "acme"
name = "ACME Topups"
base_url = "http://127.0.0.1:18080/acme/"
labels = { country = "ES", tier = "1" }

[[providers]]
id = "beta"
base_url = "https://beta.example"

[[probes]]
id = "acme-balance"
provider = "acme"
kind = "http"
path = "/accounts/balance"
method = "POST"
headers = { Accept = "application/json", X-Api-Key = "k" }
body = '{"q": 1}'
interval = "1m"
timeout = "15s"
jitter = "3s"
expected_status = ["200-299", 301, "4xx"]
max_response_size = "2MiB"
follow_redirects = true
tls_insecure = true
labels = { tier = "1" }

[[probes]]
id = "beta.status"
provider = "beta"
url = "https://status.beta.example/health"
interval = "30s"

[[probes]]
id = "beta_ping"
provider = "beta"
path = "/ping"
expected_status = 204

[[rules]]
name = "ProviderDown"
kind = "downtime"
probes = ["acme-balance", "beta.status"]
failures = 5
successes = 3
severity = "warning"
labels = { team = "noc" }
annotations = { runbook_url = "https://runbooks.example/provider-down", summary = "down" }

[[receivers]]
name = "noc-webhook"
kind = "webhook"
url = "http://127.0.0.1:9999/hook"
timeout = "3s"
send_resolved = false
max_attempts = 4
initial_backoff = "500ms"
max_backoff = "1m"

[[receivers]]
name = "log"
kind = "log"

[route]
receiver = "noc-webhook"
)";

}  // namespace

TEST_CASE("config: a full config with every key round-trips into the structs", "[config][unit]") {
    const Config c = load_ok(kFull);
    CHECK(c.path == "test.toml");
    CHECK(c.external_url == "https://noc.example:9464");
    CHECK(c.logging == LoggingConfig{"debug", LogFormat::json});

    CHECK(c.server.listen == "127.0.0.1:0");
    CHECK_FALSE(c.server.admin_token.has_value());
    CHECK(c.server.body_limit_bytes == 512 * 1024);
    CHECK(c.server.read_timeout == 5s);
    CHECK(c.server.shutdown_timeout == 20s);

    REQUIRE(c.providers.size() == 2);
    CHECK(c.providers[0] == ProviderConfig{"acme", "ACME Topups", "http://127.0.0.1:18080/acme",
                                           core::Labels{{"country", "ES"}, {"tier", "1"}},
                                           std::nullopt, 0, {}});
    CHECK(c.providers[1] == ProviderConfig{"beta", "beta", "https://beta.example", {}, std::nullopt, 0, {}});

    REQUIRE(c.probes.size() == 3);
    ProbeConfig acme;
    acme.id = "acme-balance";
    acme.provider = "acme";
    acme.kind = "http";
    probes::HttpOptions http;
    http.method = "POST";
    http.url = "http://127.0.0.1:18080/acme/accounts/balance";
    http.headers = {{"Accept", "application/json"}, {"X-Api-Key", "k"}};
    http.body = R"({"q": 1})";
    acme.interval = 1min;
    acme.timeout = 15s;
    acme.jitter = 3s;
    http.expected_status = {{200, 299}, {301, 301}, {400, 499}};
    http.transport.max_response_bytes = 2 * 1024 * 1024;
    http.transport.follow_redirects = true;
    http.transport.tls.insecure = true;
    acme.labels = core::Labels{{"tier", "1"}};
    acme.options = KindOptions::of(http);
    CHECK(c.probes[0] == acme);

    const auto http_of = [](const ProbeConfig& p) { return p.options.get<probes::HttpOptions>(); };
    CHECK(http_of(c.probes[1]).url == "https://status.beta.example/health");
    CHECK(c.probes[1].interval == 30s);
    CHECK(http_of(c.probes[2]).url == "https://beta.example/ping");
    CHECK(http_of(c.probes[2]).expected_status == std::vector<probes::StatusRange>{{204, 204}});

    REQUIRE(c.rules.size() == 1);
    detect::DowntimeOptions down;
    down.failures = 5;
    down.successes = 3;
    const RuleConfig rule{
        "ProviderDown",
        "downtime",
        {"acme-balance", "beta.status"},
        "warning",
        core::Labels{{"team", "noc"}},
        {{"runbook_url", "https://runbooks.example/provider-down"}, {"summary", "down"}},
        {},                                // match
        KindOptions::of(std::move(down)),  // the kind's own keys
        {}};                               // keep_firing_for
    CHECK(c.rules[0] == rule);

    REQUIRE(c.receivers.size() == 2);
    const ReceiverConfig& hook = c.receivers[0];
    CHECK(hook.name == "noc-webhook");
    CHECK(hook.kind == "webhook");
    REQUIRE(hook.url.has_value());
    CHECK(hook.url->reveal() == "http://127.0.0.1:9999/hook");
    CHECK(hook.url->source() == "inline");
    CHECK(hook.timeout == 3s);
    CHECK_FALSE(hook.send_resolved);
    CHECK(hook.max_attempts == 4);
    CHECK(hook.initial_backoff == 500ms);
    CHECK(hook.max_backoff == 1min);
    CHECK(c.receivers[1].kind == "log");
    CHECK_FALSE(c.receivers[1].url.has_value());

    CHECK(c.route.receiver == "noc-webhook");
    CHECK(c.find_provider("beta") == &c.providers[1]);
    CHECK(c.find_provider("nope") == nullptr);
    CHECK(c.find_receiver("log") == &c.receivers[1]);
    CHECK(c.find_receiver("nope") == nullptr);
    CHECK(summary(c) == "config OK: 2 providers, 3 probes, 1 rule, 2 receivers");
}

TEST_CASE("config: absent keys keep the member-initializer defaults", "[config][unit]") {
    const Config c = load_ok(noctua::testing::acme_probe("http://acme.example") +
                             "path = \"/\"\n[[rules]]\nname = \"Down\"\n");
    CHECK(c.logging == LoggingConfig{});
    CHECK(c.server == ServerConfig{});
    CHECK(c.external_url == "http://127.0.0.1:9464");
    CHECK(c.providers[0].name == "acme");

    ProbeConfig expected;
    expected.id = "p";
    expected.provider = "acme";
    probes::HttpOptions http;
    http.url = "http://acme.example/";
    expected.options = KindOptions::of(http);
    expected.jitter = 3s;  // 10% of the default 30s interval
    CHECK(c.probes[0] == expected);

    RuleConfig rule;
    rule.name = "Down";
    rule.options = KindOptions::of(detect::DowntimeOptions{});
    CHECK(c.rules[0] == rule);
    CHECK(c.route == RouteConfig{});
    CHECK(summary(c) == "config OK: 1 provider, 1 probe, 1 rule, 0 receivers");
}

TEST_CASE("config: jitter defaults to 10% of the interval and zero turns it off",
          "[config][unit]") {
    const Config c = load_ok(R"(
[[providers]]
id = "a"
base_url = "http://a.example"
[[probes]]
id = "ten"
provider = "a"
path = "/x"
interval = "10s"
timeout = "5s"
[[probes]]
id = "off"
provider = "a"
path = "/x"
jitter = "0s"
)");
    CHECK(c.probes[0].jitter == 1s);
    CHECK(c.probes[1].jitter == 0s);
}

TEST_CASE("config: an empty document is a valid, empty config", "[config][unit]") {
    const Config c = load_ok("");
    CHECK(summary(c) == "config OK: 0 providers, 0 probes, 0 rules, 0 receivers");
}

TEST_CASE("config: loopback listen addresses need no admin token", "[config][unit]") {
    for (const char* listen : {"127.0.0.1:9464", "127.1.2.3:1", "localhost:80", "[::1]:9464"}) {
        INFO(listen);
        const Config c = load_ok(std::string("[server]\nlisten = \"") + listen + "\"\n");
        CHECK(c.server.listen == listen);
    }
}

TEST_CASE("config: ConfigError::to_string formats file:line:col: key.path: message",
          "[config][unit]") {
    CHECK(ConfigError{"a.toml", {3, 7}, "probes[1].interval", "bad"}.to_string() ==
          "a.toml:3:7: probes[1].interval: bad");
    CHECK(ConfigError{"a.toml", {3, 7}, "", "syntax"}.to_string() == "a.toml:3:7: syntax");
    CHECK(ConfigError{"a.toml", {}, "", "cannot read"}.to_string() == "a.toml: cannot read");
}
