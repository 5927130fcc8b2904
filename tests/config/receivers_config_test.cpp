// The receiver kinds' own keys: credentials from *_env / *_file, kind-specific keys, errors.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "noctua/config/config.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> errors_of(const std::string& toml) {
    auto result = load_string(toml, "r.toml");
    std::vector<std::string> out;
    if (!result) {
        for (const auto& e : result.error()) out.push_back(e.to_string());
    }
    return out;
}

const ReceiverConfig& only_receiver(const LoadResult& result) {
    if (!result) {
        for (const auto& e : result.error()) UNSCOPED_INFO(e.to_string());
    }
    REQUIRE(result.has_value());
    REQUIRE(result->receivers.size() == 1);
    return result->receivers[0];
}

}  // namespace

TEST_CASE("config: chat and pager receivers read their credential from _env, never inline-only",
          "[config][unit]") {
    ::setenv("NOCTUA_TEST_RECEIVER_SECRET", "s3cr3t-value", 1);
    SECTION("pagerduty routing_key_env") {
        auto r = load_string(R"([[receivers]]
name = "pd"
kind = "pagerduty"
routing_key_env = "NOCTUA_TEST_RECEIVER_SECRET"
rate_limit = 60
rate_period = "1m"
[route]
receiver = "pd"
)");
        const auto& rc = only_receiver(r);
        REQUIRE(rc.credential);
        CHECK(rc.credential->reveal() == "s3cr3t-value");
        CHECK(rc.credential->source() == "env NOCTUA_TEST_RECEIVER_SECRET");
        CHECK(rc.rate_limit == 60);
        CHECK(rc.rate_period == std::chrono::minutes(1));
        CHECK_FALSE(rc.url.has_value());
    }
    SECTION("telegram bot_token_env and chat_id") {
        const auto r = load_string(R"([[receivers]]
name = "tg"
kind = "telegram"
bot_token_env = "NOCTUA_TEST_RECEIVER_SECRET"
chat_id = "-100123"
[route]
receiver = "tg"
)");
        const auto& rc = only_receiver(r);
        CHECK(rc.chat_id == "-100123");
        CHECK(rc.credential->reveal() == "s3cr3t-value");
    }
    SECTION("slack url_env") {
        ::setenv("NOCTUA_TEST_SLACK_URL", "https://hooks.slack.com/services/T/B/x", 1);
        const auto r = load_string(R"([[receivers]]
name = "slack"
kind = "slack"
url_env = "NOCTUA_TEST_SLACK_URL"
[route]
receiver = "slack"
)");
        const auto& rc = only_receiver(r);
        CHECK(rc.url->reveal() == "https://hooks.slack.com/services/T/B/x");
    }
    SECTION("whatsapp through twilio") {
        const auto r = load_string(R"([[receivers]]
name = "wa"
kind = "whatsapp"
provider = "twilio"
account_sid = "AC0123456789abcdef0123456789abcdef"
auth_token_env = "NOCTUA_TEST_RECEIVER_SECRET"
from = "+15005550006"
to = ["+34600000001"]
template = "HXb5b62575e6e4ff6129ad7c8efe1f983e"
[route]
receiver = "wa"
)");
        const auto& rc = only_receiver(r);
        CHECK(rc.provider == "twilio");
        CHECK(rc.to == std::vector<std::string>{"+34600000001"});
        CHECK(rc.template_name == "HXb5b62575e6e4ff6129ad7c8efe1f983e");
    }
    SECTION("email with a password") {
        const auto r = load_string(R"([[receivers]]
name = "mail"
kind = "email"
url = "smtp://127.0.0.1:587"
from = "noc@example.org"
to = ["oncall@example.org"]
username = "noc"
password_env = "NOCTUA_TEST_RECEIVER_SECRET"
[route]
receiver = "mail"
)");
        const auto& rc = only_receiver(r);
        CHECK(rc.starttls);
        CHECK(rc.username == "noc");
        CHECK(rc.credential->reveal() == "s3cr3t-value");
    }
}

TEST_CASE("config: receiver kinds report what they miss and keys of other kinds",
          "[config][unit]") {
    CHECK_THAT(errors_of("[[receivers]]\nname = \"pd\"\nkind = \"pagerduty\"\n"
                         "[route]\nreceiver = \"pd\"\n")
                   .at(0),
               Contains("pagerduty receivers need one of routing_key, routing_key_env or "
                        "routing_key_file"));
    CHECK_THAT(errors_of("[[receivers]]\nname = \"s\"\nkind = \"slack\"\n"
                         "[route]\nreceiver = \"s\"\n")
                   .at(0),
               Contains("slack receivers need one of url, url_env or url_file"));
    auto wrong = errors_of(
        "[[receivers]]\nname = \"s\"\nkind = \"slack\"\nurl = \"https://x.example/h\"\n"
        "chat_id = \"1\"\n"
        "[route]\nreceiver = \"s\"\n");
    REQUIRE(wrong.size() == 1);
    CHECK_THAT(wrong[0], Contains("r.toml:5:1: receivers[0].chat_id: unknown key"));
    CHECK_THAT(errors_of("[[receivers]]\nname = \"m\"\nkind = \"email\"\n"
                         "url = \"https://mail.example\"\nfrom = \"a@b\"\nto = [\"c@d\"]\n"
                         "[route]\nreceiver = \"m\"\n")
                   .at(0),
               Contains("must start with smtp:// or smtps://"));
    CHECK_THAT(errors_of("[[receivers]]\nname = \"w\"\nkind = \"whatsapp\"\n"
                         "access_token = \"t\"\nphone_number_id = \"1\"\ntemplate = \"x\"\n"
                         "to = [\"0034600\"]\n"
                         "[route]\nreceiver = \"w\"\n")
                   .at(0),
               Contains("\"0034600\" is not an E.164 number"));
}
