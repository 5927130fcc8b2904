#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "noctua/config/config.hpp"
#include "noctua/config/section.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

/// The single error of an invalid document, as a `test.toml:L:C: key: message` line.
std::string error_of(const std::string& toml) {
    return noctua::testing::single_error(toml, "test.toml",
                                         noctua::testing::builtin_kind_parsers());
}

/// A valid provider (lines 1–3) and the start of a probe on it (lines 4–6), then `rest`.
std::string probe(std::string_view rest) {
    return noctua::testing::acme_probe("http://127.0.0.1:9/api") + std::string(rest);
}

std::string receiver(std::string_view url_line) {
    return "[[receivers]]\nname = \"hook\"\nkind = \"webhook\"\n" + std::string(url_line) +
           "\n[route]\nreceiver = \"hook\"\n";
}

/// Sets an environment variable for one test and unsets it afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

constexpr std::string_view kHeaderProblem =
    "header value must not contain control characters: CR, LF or NUL would end or split the "
    "header";

}  // namespace

TEST_CASE("config: header values with CR, LF or NUL are refused", "[config][unit]") {
    SECTION("a probe header that would inject another header line") {
        CHECK(error_of(probe("path = \"/x\"\nheaders = { X-A = \"v\\r\\nX-Injected: 1\" }\n")) ==
              "test.toml:8:19: probes[0].headers.X-A: " + std::string(kHeaderProblem) +
                  " (byte 0x0d at offset 1)");
    }
    SECTION("NUL, a bare LF and DEL; a tab is allowed") {
        CHECK_THAT(error_of(probe("path = \"/x\"\nheaders = { X-A = \"a\\u0000b\" }\n")),
                   EndsWith("(byte 0x00 at offset 1)"));
        CHECK_THAT(error_of(probe("path = \"/x\"\nheaders = { X-A = \"a\\n\" }\n")),
                   EndsWith("(byte 0x0a at offset 1)"));
        CHECK_THAT(error_of(probe("path = \"/x\"\nheaders = { X-A = \"\\u007f\" }\n")),
                   EndsWith("(byte 0x7f at offset 0)"));
        CHECK(load_string(probe("path = \"/x\"\nheaders = { X-A = \"a\\tb\" }\n"), "<string>", noctua::testing::builtin_kind_parsers()).has_value());
    }
    SECTION("header names are RFC 9110 tokens") {
        CHECK_THAT(error_of(probe("path = \"/x\"\nheaders = { \"X A\" = \"v\" }\n")),
                   StartsWith("test.toml:8:13: probes[0].headers.X A: invalid name \"X A\""));
    }
    SECTION("a scenario step header") {
        CHECK(error_of(probe("kind = \"scenario\"\n[[probes.steps]]\nname = \"a\"\npath = "
                             "\"/x\"\nheaders = { X-A = \"v\\r\\nX-Injected: 1\" }\n")) ==
              "test.toml:11:19: probes[0].steps[0].headers.X-A: " + std::string(kHeaderProblem) +
                  " (byte 0x0d at offset 1)");
    }
    SECTION("a bearer token from the environment, without its value") {
        ScopedEnv env("NOCTUA_VALUES_TEST_TOKEN", "s3cr3t\r\nX-Injected: 1");
        const auto e = error_of(R"([[providers]]
id = "acme"
auth = { type = "bearer", token_env = "NOCTUA_VALUES_TEST_TOKEN" }
)");
        CHECK(e == "test.toml:3:39: providers[0].auth.token_env: value from env "
                   "NOCTUA_VALUES_TEST_TOKEN: " +
                       std::string(kHeaderProblem) + " (byte 0x0d at offset 6)");
        CHECK(e.find("s3cr3t") == std::string::npos);
    }
}

TEST_CASE("config: an empty provider or receiver reference is refused", "[config][unit]") {
    CHECK(error_of(R"([[probes]]
id = "p"
provider = ""
url = "http://127.0.0.1:9/"
)") == "test.toml:3:12: probes[0].provider: must not be empty: name one of the [[providers]]");
    CHECK(error_of(R"([[receivers]]
name = "log"
kind = "log"
[route]
receiver = ""
)") == "test.toml:5:12: route.receiver: must not be empty: name one of the [[receivers]]");
}

TEST_CASE("config: every URL is checked with curl's URL parser", "[config][unit]") {
    SECTION("webhook URLs with a space, a newline, an unclosed [ or a bad port") {
        CHECK(error_of(receiver("url = \"http://hooks.example/a b\"")) ==
              "test.toml:4:7: receivers[0].url: is not a valid URL: spaces and control "
              "characters must be percent-encoded (byte 0x20 at offset 22)");
        CHECK_THAT(error_of(receiver("url = \"http://hooks.example/a\\nb\"")),
                   EndsWith("(byte 0x0a at offset 22)"));
        CHECK(error_of(receiver("url = \"http://[127.0.0.1/hook\"")) ==
              "test.toml:4:7: receivers[0].url: is not a valid URL: Bad IPv6 address");
        CHECK_THAT(error_of(receiver("url = \"http://127.0.0.1:99999/\"")),
                   StartsWith("test.toml:4:7: receivers[0].url: is not a valid URL: Port number"));
        CHECK(error_of(receiver("url = \"http:///hook\"")) ==
              "test.toml:4:7: receivers[0].url: is not a valid URL: it has no host");
        CHECK(error_of(receiver("url = \"ftp://127.0.0.1/\"")) ==
              "test.toml:4:7: receivers[0].url: must start with http:// or https://");
    }
    SECTION("a webhook URL from the environment is named by its source, never shown") {
        ScopedEnv env("NOCTUA_VALUES_TEST_HOOK", "https://hooks.example/T0/s3cr3t path");
        const auto e = error_of(receiver("url_env = \"NOCTUA_VALUES_TEST_HOOK\""));
        CHECK(e == "test.toml:4:11: receivers[0].url_env: url from env NOCTUA_VALUES_TEST_HOOK "
                   "is not a valid URL: spaces and control characters must be percent-encoded "
                   "(byte 0x20 at offset 31)");
        CHECK(e.find("s3cr3t") == std::string::npos);
    }
    SECTION("probe url and path, provider base_url, external_url, token_url, proxy") {
        CHECK_THAT(error_of(probe("url = \"http://127.0.0.1:9/a b\"\n")),
                   StartsWith("test.toml:7:7: probes[0].url: is not a valid URL: spaces"));
        CHECK_THAT(error_of(probe("path = \"/a b\"\n")),
                   StartsWith("test.toml:7:8: probes[0].path: spaces and control characters"));
        CHECK_THAT(error_of("[[providers]]\nid = \"a\"\nbase_url = \"http://[::1/\"\n"),
                   StartsWith("test.toml:3:12: providers[0].base_url: is not a valid URL"));
        CHECK_THAT(error_of("external_url = \"https://noc example/\"\n"),
                   StartsWith("test.toml:1:16: external_url: is not a valid URL: spaces"));
        CHECK_THAT(error_of(R"([[providers]]
id = "a"
auth = { type = "oauth2_client_credentials", style = "form", token_url = "http://[x/token", client_id = "c", client_secret = "s" }
)"),
                   StartsWith("test.toml:3:74: providers[0].auth.token_url: is not a valid URL"));
        CHECK(error_of(probe("path = \"/x\"\nproxy = \"socks5://127.0.0.1:1080 \"\n")) ==
              "test.toml:8:9: probes[0].proxy: is not a valid URL: spaces and control "
              "characters must be percent-encoded (byte 0x20 at offset 23)");
        CHECK(load_string(probe("path = \"/x\"\nproxy = \"socks5h://127.0.0.1:1080\"\n"), "<string>", noctua::testing::builtin_kind_parsers())
                  .has_value());
        CHECK(error_of(probe("path = \"/x\"\nproxy = \"gopher://127.0.0.1/\"\n")) ==
              "test.toml:8:9: probes[0].proxy: must start with http://, https://, socks5:// or "
              "socks5h://");
    }
    SECTION("scenario step URLs: template holes stand for any text, the rest must be valid") {
        const auto step = [](std::string_view url_line) {
            return probe("kind = \"scenario\"\n[[probes.steps]]\nname = \"a\"\nurl = \"{{ "
                         "env.NOCTUA_BASE }}/x\"\n[[probes.steps]]\nname = \"b\"\n" +
                         std::string(url_line) + "\n");
        };
        CHECK(load_string(step("url = \"http://127.0.0.1:9/{{ steps.a.body.id }}?q=1\""), "<string>", noctua::testing::builtin_kind_parsers())
                  .has_value());
        CHECK(load_string(step("path = \"/{{ steps.a.body.id }}\""), "<string>", noctua::testing::builtin_kind_parsers()).has_value());
        CHECK_THAT(error_of(step("url = \"http://127.0.0.1:9/{{ steps.a.body.id }} x\"")),
                   StartsWith("test.toml:13:7: probes[0].steps[1].url: is not a valid URL: "
                              "spaces"));
        CHECK_THAT(error_of(step("path = \"/{{ steps.a.body.id }} x\"")),
                   StartsWith("test.toml:13:8: probes[0].steps[1].path: spaces"));
    }
}

TEST_CASE("type_name: each TOML type as error messages name it", "[config][unit]") {
    struct Case {
        toml::node_type type;
        const char* name;
    };
    const Case cases[] = {
        {toml::node_type::table, "table"},
        {toml::node_type::array, "array"},
        {toml::node_type::string, "string"},
        {toml::node_type::integer, "integer"},
        {toml::node_type::floating_point, "floating-point"},
        {toml::node_type::boolean, "boolean"},
        {toml::node_type::date, "date"},
        {toml::node_type::time, "time"},
        {toml::node_type::date_time, "date-time"},
        {toml::node_type::none, "nothing"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        CHECK(type_name(c.type) == c.name);
    }
}
