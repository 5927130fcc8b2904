// expect / extract / auth of the http kind, against FakeHttpClient; config-time errors of the
// expression language with FILE:LINE:COL.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "noctua/core/base64.hpp"
#include "noctua/core/log.hpp"
#include "noctua/config/config.hpp"
#include "noctua/probes/auth.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/run_until.hpp"

#include "noctua/testing/cases.hpp"
#include "probe_runner.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

/// Loads one provider and one probe from TOML; `probe` is the body of [[probes]].
config::Config load(const std::string& probe, const std::string& provider_extra = "") {
    auto text = fmt::format(R"(
[[providers]]
id = "acme"
base_url = "http://127.0.0.1:1/acme"
{}

[[probes]]
id = "p"
provider = "acme"
jitter = "0s"
{}
)",
                            provider_extra, probe);
    auto c = config::load_string(text, "t.toml", noctua::testing::probe_kind_parsers());
    if (!c) {
        for (const auto& e : c.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(c.has_value());
    return std::move(*c);
}

std::vector<std::string> errors(const std::string& probe, const std::string& provider_extra = "") {
    auto text = fmt::format(R"([[providers]]
id = "acme"
base_url = "http://127.0.0.1:1/acme"
{}
[[probes]]
id = "p"
provider = "acme"
{}
)",
                            provider_extra, probe);
    auto c = config::load_string(text, "t.toml", noctua::testing::probe_kind_parsers());
    REQUIRE_FALSE(c.has_value());
    std::vector<std::string> out;
    for (const auto& e : c.error()) out.push_back(e.to_string());
    return out;
}

core::HttpResponse json_response(int status, std::string body, core::Headers headers = {}) {
    core::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.timings = {0.001, 0.002, 0, 0.010, 0.012};
    return r;
}

struct Fixture {
    boost::asio::io_context ioc;
    testing::FakeHttpClient http{ioc};
    core::ManualClock clock{core::TimePoint{1'700'000'000s}};
    probes::Authenticator auth{http, clock};
    probes::ProbeContext ctx{http, clock, ioc.get_executor(), &auth, nullptr};
    probes::ProbeRegistry registry;
    Fixture() { probes::register_builtin_probes(registry); }

    probes::ProbeResult run(const config::ProbeConfig& c) {
        return testing::create_and_run(ioc, registry, ctx, c);
    }
};

const std::string kBalance =
    R"({"balance":5000.23,"currencyCode":"USD","content":[{"id":5,"name":"Claro"}],"status":"PROCESSING"})";

}  // namespace

TEST_CASE("assertions: every form passes on a matching response", "[probes][unit]") {
    auto c = load(R"T(path = "/accounts/balance"
expect = [
  "status == 200", "status in [200, 201]", "status in 200..299", "latency < 500ms",
  "phase.connect < 100ms", "header[\"Content-Type\"] == \"application/json\"",
  "header[\"content-type\"] matches \"^application/.*json$\"", "body contains \"USD\"",
  "body matches \"balance\\\":[0-9]+\"", "body.balance >= 1000", "body.content[0].id == 5",
  "len(body.content) > 0", "body.status in [\"SUCCESSFUL\", \"PROCESSING\"]",
  "exists(body.currencyCode) && body.currencyCode != 'EUR'", "not exists(body.missing)",
])T");
    Fixture f;
    f.http.push(json_response(200, kBalance, {{"Content-Type", "application/json"}}));
    auto r = f.run(c.probes[0]);
    INFO(r.message);
    CHECK(r.success);
}

TEST_CASE("assertions: failures name the expression and the value seen", "[probes][unit]") {
    Fixture f;
    const auto run_one = [&](const std::string& expect, const std::string& body) {
        auto c = load(fmt::format("path = \"/b\"\nexpect = ['{}']", expect));
        f.http.push(json_response(200, body));
        return f.run(c.probes[0]);
    };
    auto r = run_one("body.balance >= 10000", kBalance);
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "assertion");
    CHECK(r.message == "body.balance >= 10000: body.balance is 5000.23");

    r = run_one("body.content[3].id == 5", kBalance);
    CHECK(r.message == "body.content[3].id == 5: body.content has 1 elements, no [3]");

    r = run_one("body.nope > 1", kBalance);
    CHECK(r.message == "body.nope > 1: no key \"nope\" in body");

    r = run_one("body.status in [\"SUCCESSFUL\"]", kBalance);
    CHECK(r.message == "body.status in [\"SUCCESSFUL\"]: body.status is \"PROCESSING\"");

    r = run_one("len(body.content) > 3", kBalance);
    CHECK(r.message == "len(body.content) > 3: len(body.content) is 1");

    r = run_one("body.balance > 0", "<html>oops</html>");
    CHECK(r.failure_reason == "assertion");
    CHECK_THAT(r.message, Catch::StartsWith("body.balance > 0: body is not valid JSON"));

    r = run_one("header[\"X-Id\"] == \"1\"", kBalance);
    CHECK(r.message == "header[\"X-Id\"] == \"1\": no header \"X-Id\"");

    r = run_one("cert.expires_in > 14d", kBalance);
    CHECK_THAT(r.message, Catch::Contains("no TLS certificate"));
}

TEST_CASE("assertions: regular expressions hold on large bodies and headers", "[probes][unit]") {
    // A backtracking engine that recurses per character exhausts the stack on each of these.
    Fixture f;
    const auto run_one = [&](const std::string& expect, std::string body, core::Headers headers = {}) {
        auto c = load(fmt::format("path = \"/b\"\nexpect = ['{}']", expect));
        f.http.push(json_response(200, std::move(body), std::move(headers)));
        return f.run(c.probes[0]);
    };
    const std::string x50k(50'000, 'x');
    auto r = run_one("body matches \".*SUCCESS\"", x50k + "SUCCESS");
    INFO(r.message);
    CHECK(r.success);
    r = run_one("body matches \".*SUCCESS\"", x50k);
    CHECK(r.failure_reason == "assertion");

    std::string ab;
    for (int i = 0; i < 10'000; ++i) ab += "ab";
    CHECK(run_one("body matches \"^(a|b)*$\"", ab).success);
    CHECK(run_one("body matches \"a+$\"", std::string(200'000, 'a')).success);
    CHECK(run_one("header[\"X-Trace\"] matches \"^(x|y)+$\"", "{}", {{"X-Trace", x50k}}).success);
}

TEST_CASE("assertions: deeply nested JSON bodies are compared and described without deep recursion",
          "[probes][unit]") {
    Fixture f;
    const auto run_one = [&](const std::string& expect, std::string body) {
        auto c = load(fmt::format("path = \"/b\"\nexpect = ['{}']", expect));
        f.http.push(json_response(200, std::move(body)));
        return f.run(c.probes[0]);
    };
    // 1,000 levels: within simdjson's depth limit, so the body parses.
    const std::string deep = std::string(1'000, '[') + std::string(1'000, ']');
    const std::string body = R"({"a":)" + deep + R"(,"b":)" + deep + "}";
    auto r = run_one("body.a == body.b && len(body.a) == 1", body);
    INFO(r.message);
    CHECK(r.success);
    r = run_one("body.a == 1", body);
    CHECK(r.message == "body.a == 1: body.a is " + std::string(80, '[') + "…");
    r = run_one("body.a contains body.b[0]", body);
    CHECK(r.success);

    // Deeper than simdjson accepts: the body is not JSON, which is a failed run, not a crash.
    const std::string deeper = std::string(100'000, '[') + std::string(100'000, ']');
    r = run_one("len(body.a) > 0", R"({"a":)" + deeper + "}");
    CHECK(r.failure_reason == "assertion");
    CHECK_THAT(r.message, Catch::Contains("body is not valid JSON"));
    CHECK(run_one("body contains \"[[[\"", deeper).success);
}

TEST_CASE("assertions: a failing && chain names the first false condition", "[probes][unit]") {
    Fixture f;
    auto c = load("path = \"/b\"\nexpect = [\"status == 200 && body.balance > 0 && body.balance > 10000 && "
                  "exists(body.x)\"]");
    f.http.push(json_response(200, kBalance));
    auto r = f.run(c.probes[0]);
    CHECK(r.message ==
          "status == 200 && body.balance > 0 && body.balance > 10000 && exists(body.x): body.balance is 5000.23");
}

TEST_CASE("assertions: a status assertion replaces the default expected_status", "[probes][unit]") {
    Fixture f;
    auto c = load("path = \"/b\"\nexpect = [\"status == 404\"]");
    CHECK(c.probes[0].options.get<probes::HttpOptions>().expected_status.empty());
    f.http.push(json_response(404, "{}"));
    CHECK(f.run(c.probes[0]).success);
    f.http.push(json_response(200, "{}"));
    auto r = f.run(c.probes[0]);
    CHECK(r.message == "status == 404: status is 200");
    // Without a status assertion the default 2xx check stays.
    auto d = load("path = \"/b\"\nexpect = [\"body contains 'x'\"]");
    f.http.push(json_response(500, "x"));
    CHECK(f.run(d.probes[0]).failure_reason == "status");
}

TEST_CASE("assertions: cert.expires_in compares against the certificate", "[probes][unit]") {
    Fixture f;
    auto c = load("url = \"https://127.0.0.1:1/\"\nexpect = [\"cert.expires_in > 14d\"]");
    auto resp = json_response(200, "{}");
    resp.certificate = core::TlsCertificate{1'700'000'000 + 30 * 86400, "CN=Test CA", "CN=x"};
    f.http.push(resp);
    CHECK(f.run(c.probes[0]).success);
    resp.certificate->not_after = 1'700'000'000 + 3 * 86400;
    f.http.push(resp);
    auto r = f.run(c.probes[0]);
    CHECK_FALSE(r.success);
    CHECK(r.message == "cert.expires_in > 14d: cert.expires_in is 259200s");
    REQUIRE(r.certificate.has_value());
}

TEST_CASE("extract: named numbers and allow-listed labels", "[probes][unit]") {
    Fixture f;
    auto c = load(R"(path = "/b"
extract = { balance = "body.balance", items = "len(body.content) " }
extract_labels = { currency = { from = "body.currencyCode", allow = ["USD", "EUR"] } })");
    f.http.push(json_response(200, kBalance));
    auto r = f.run(c.probes[0]);
    REQUIRE(r.success);
    REQUIRE(r.values.size() == 2);
    CHECK(r.values[0] == probes::ExtractedValue{"balance", 5000.23});
    CHECK(r.values[1] == probes::ExtractedValue{"items", 1});
    CHECK(r.value_labels.get("currency") == "USD");
    auto samples = probes::value_samples(r);
    REQUIRE(samples.size() == 2);
    CHECK(samples[0].labels == core::Labels{{"currency", "USD"}, {"name", "balance"}, {"probe", "p"}, {"provider", "acme"}});
    CHECK(samples[0].value == 5000.23);

    // A value outside the allow-list never becomes a label value.
    f.http.push(json_response(200, R"({"balance":"12.50","currencyCode":"<script>","content":[]})"));
    r = f.run(c.probes[0]);
    REQUIRE(r.success);
    CHECK(r.values[0].value == 12.5);  // numeric strings count
    CHECK(r.value_labels.get("currency") == "other");

    f.http.push(json_response(200, R"({"balance":null,"content":[]})"));
    r = f.run(c.probes[0]);
    CHECK(r.failure_reason == "extraction");
    CHECK(r.message == "extract balance = body.balance: not a number: null");
}

TEST_CASE("config: expression errors are reported at FILE:LINE:COL", "[probes][unit]") {
    // The one error of a probe with `keys`.
    const auto sole_error = [](const std::string& keys) {
        auto e = errors(keys);
        REQUIRE(e.size() == 1);
        return e[0];
    };
    // Column: the string starts at 28, the error is at offset 14 ('>' of ">>" after ">").
    CHECK(sole_error("path = \"/b\"\nexpect = [\"status == 200\", \"body.balance >> 3\"]") ==
          "t.toml:9:43: probes[0].expect[1]: expected a value, found \">\"");
    CHECK_THAT(sole_error("path = \"/b\"\nexpect = [\"stauts == 200\"]"),
               Catch::StartsWith("t.toml:9:12: probes[0].expect[0]: unknown name \"stauts\" (did "
                                 "you mean \"status\"?)"));
    CHECK_THAT(sole_error("path = \"/b\"\nexpect = [\"body matches '(['\"]"),
               Catch::StartsWith("t.toml:9:25: probes[0].expect[0]: invalid regular expression"));
    CHECK_THAT(sole_error("path = \"/b\"\nexpect = [\"latency < 5 parsecs\"]"),
               Catch::Contains("unexpected \"parsecs\" after the expression"));
    CHECK_THAT(sole_error("path = \"/b\"\nextract = { balance = \"body.balance[\" }"),
               Catch::StartsWith("t.toml:9:") && Catch::Contains("probes[0].extract.balance"));

    // Probe keys, and what the first error says of them.
    const std::pair<std::string_view, std::string_view> first_errors[] = {
        {"path = \"/b\"\nexpect = [\"status = 200\"]", "use == to compare"},
        {"path = \"/b\"\nextract_labels = { currency = { from = \"body.c\" } }\nextract = { b = \"body.b\" }",
         "missing required key \"allow\""},
        {"kind = \"tcp\"\ntarget = \"127.0.0.1:9\"\nexpect = [\"status == 200\"]",
         "unknown name \"status\""},
        {"path = \"/b\"\ntarget = \"127.0.0.1:9\"",
         "probes[0].target: target applies to kinds \"dns\", \"tcp\", \"tls\" probes, not \"http\""},
    };
    testing::check_first_errors(first_errors,
                                [](std::string_view keys) { return errors(std::string(keys)); });
}

TEST_CASE("config: provider auth is checked and copied to its probes", "[probes][unit]") {
    auto c = load("path = \"/b\"", R"(auth = { type = "oauth2_client_credentials", token_url = "http://127.0.0.1:1/oauth/token", client_id = "id", client_secret = "s", audience = "https://topups.reloadly.com" })");
    REQUIRE(c.probes[0].auth.has_value());
    CHECK(c.probes[0].auth->style == "json");
    CHECK(c.probes[0].auth->audience == "https://topups.reloadly.com");

    auto e = errors("path = \"/b\"", R"(auth = { type = "oauth2_client_credentials", token_url = "http://h/t", client_id = "id", client_secret = "s" })");
    CHECK_THAT(e[0], Catch::Contains("needs audience"));
    e = errors("path = \"/b\"", R"(auth = { type = "bearer", username = "x", token_env = "NOCTUA_TEST_SURELY_UNSET" })");
    CHECK_THAT(e[0] + e[1], Catch::Contains("not used by auth type \"bearer\""));
    e = errors("path = \"/b\"", R"(auth = { type = "kerberos" })");
    CHECK_THAT(e[0], Catch::Contains("unknown auth type \"kerberos\""));
}

TEST_CASE("auth: bearer, basic and api_key add their header", "[probes][unit]") {
    Fixture f;
    config::AuthConfig a;
    a.type = "basic";
    a.username = "user";
    a.password = config::Secret("pass", "inline");
    auto c = load("path = \"/b\"");
    c.probes[0].auth = a;
    CHECK(f.run(c.probes[0]).success);
    CHECK(core::find_header(f.http.requests().back().headers, "Authorization") == "Basic dXNlcjpwYXNz");

    a = {};
    a.type = "api_key";
    a.header = "X-Api-Key";
    a.key = config::Secret("k1", "inline");
    c.probes[0].auth = a;
    CHECK(f.run(c.probes[0]).success);
    CHECK(core::find_header(f.http.requests().back().headers, "X-Api-Key") == "k1");

    a = {};
    a.type = "bearer";
    a.token = config::Secret("tok", "inline");
    c.probes[0].auth = a;
    CHECK(f.run(c.probes[0]).success);
    CHECK(core::find_header(f.http.requests().back().headers, "Authorization") == "Bearer tok");
}

TEST_CASE("auth: oauth2 json style caches the token, refreshes before expiry and on 401 TOKEN_EXPIRED",
          "[probes][unit]") {
    Fixture f;
    auto c = load("path = \"/b\"", R"(auth = { type = "oauth2_client_credentials", token_url = "http://127.0.0.1:1/oauth/token", client_id = "cid", client_secret = "sec", audience = "https://topups-sandbox.reloadly.com", refresh_before = "60s" })");
    const auto& probe = c.probes[0];
    f.http.push(json_response(200, R"({"access_token":"T1","expires_in":3600,"token_type":"Bearer"})"));
    f.http.push(json_response(200, "{}"));
    REQUIRE(f.run(probe).success);
    auto reqs = f.http.requests();
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0].method == "POST");
    CHECK(reqs[0].url == "http://127.0.0.1:1/oauth/token");
    CHECK(core::find_header(reqs[0].headers, "Content-Type") == "application/json");
    CHECK(reqs[0].body ==
          R"({"client_id":"cid","client_secret":"sec","grant_type":"client_credentials","audience":"https://topups-sandbox.reloadly.com"})");
    CHECK(core::find_header(reqs[1].headers, "Authorization") == "Bearer T1");

    // Cached: no token request for the next run.
    REQUIRE(f.run(probe).success);
    CHECK(f.auth.token_requests() == 1);
    CHECK(f.http.request_count() == 3);

    // Refreshed early: 60 s before the hour is up.
    f.clock.advance(3541s);
    f.http.push(json_response(200, R"({"access_token":"T2","expires_in":3600})"));
    REQUIRE(f.run(probe).success);
    CHECK(f.auth.token_requests() == 2);
    CHECK(core::find_header(f.http.requests().back().headers, "Authorization") == "Bearer T2");

    // The provider says the token expired: one refresh, then the request again.
    f.http.push(json_response(401, R"({"message":"expired","errorCode":"TOKEN_EXPIRED"})"));
    f.http.push(json_response(200, R"({"access_token":"T3","expires_in":3600})"));
    f.http.push(json_response(200, "{}"));
    auto r = f.run(probe);
    CHECK(r.success);
    CHECK(f.auth.token_requests() == 3);
    CHECK(core::find_header(f.http.requests().back().headers, "Authorization") == "Bearer T3");

    // Only once per run: a second TOKEN_EXPIRED fails as auth.
    f.http.push(json_response(401, R"({"errorCode":"TOKEN_EXPIRED"})"));
    f.http.push(json_response(200, R"({"access_token":"T4","expires_in":3600})"));
    f.http.push(json_response(401, R"({"errorCode":"TOKEN_EXPIRED"})"));
    r = f.run(probe);
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "auth");
}

TEST_CASE("auth: oauth2 form style (RFC 6749) and a failing token fetch", "[probes][unit]") {
    Fixture f;
    auto c = load("path = \"/b\"", R"(auth = { type = "oauth2_client_credentials", style = "form", token_url = "http://127.0.0.1:1/token", client_id = "my id", client_secret = "s3cr3t", scope = "read write" })");
    f.http.push(json_response(401, R"({"error":"invalid_client"})"));
    auto r = f.run(c.probes[0]);
    CHECK_FALSE(r.success);
    CHECK(r.failure_reason == "auth");
    CHECK(r.message == "auth: token request answered 401 invalid_client");
    CHECK_THAT(r.message, !Catch::Contains("s3cr3t"));
    auto req = f.http.requests().at(0);
    CHECK(req.body == "grant_type=client_credentials&scope=read+write");
    CHECK(core::find_header(req.headers, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(core::find_header(req.headers, "Authorization") == "Basic " + core::base64_encode("my+id:s3cr3t"));
    CHECK(f.http.request_count() == 1);  // nothing sent to the endpoint without a token

    f.http.push_error(core::TransportError::connect, "refused");
    r = f.run(c.probes[0]);
    CHECK(r.failure_reason == "auth");
    CHECK_THAT(r.message, Catch::Contains("connect"));
}

TEST_CASE("auth: a failing token fetch is logged by provider, never with its token URL",
          "[probes][unit]") {
    Fixture f;
    f.http.push(json_response(401, R"({"error":"invalid_client"})"));
    config::AuthConfig a;
    a.type = "oauth2_client_credentials";
    a.token_url = "http://u5er:pa55@127.0.0.1:1/t?key=k3y";  // credentials in the URL itself
    a.client_id = config::Secret("id", "inline");
    a.client_secret = config::Secret("s", "inline");
    auto log = core::logger("probes");
    auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(8);
    log->sinks().push_back(sink);
    bool done = false;
    f.auth.async_headers("acme", a, [&](core::Result<core::Headers> h) {
        CHECK_FALSE(h.has_value());
        done = true;
    });
    REQUIRE(testing::run_until(f.ioc, [&] { return done; }));
    log->sinks().pop_back();
    const auto lines = sink->last_formatted();
    REQUIRE(lines.size() == 1);
    CHECK_THAT(lines[0], Catch::Contains("oauth2 token fetch failed provider=acme") &&
                             Catch::Contains("invalid_client"));
    CHECK_THAT(lines[0], !Catch::Contains("pa55") && !Catch::Contains("k3y") &&
                             !Catch::Contains("u5er"));
}

TEST_CASE("auth: concurrent probes share one token fetch", "[probes][unit]") {
    Fixture f;
    f.http.push(json_response(200, R"({"access_token":"X","expires_in":60})"));
    f.http.hold = true;
    config::AuthConfig a;
    a.type = "oauth2_client_credentials";
    a.token_url = "http://127.0.0.1:1/t";
    a.client_id = config::Secret("id", "inline");
    a.client_secret = config::Secret("s", "inline");
    a.audience = "aud";
    int done = 0;
    for (int i = 0; i < 3; ++i) {
        f.auth.async_headers("acme", a, [&](core::Result<core::Headers> h) {
            CHECK(h.has_value());
            ++done;
        });
    }
    CHECK(f.http.request_count() == 1);
    f.http.hold = false;
    f.http.release();
    REQUIRE(testing::run_until(f.ioc, [&] { return done == 3; }));
    CHECK(f.auth.token_requests() == 1);
}
