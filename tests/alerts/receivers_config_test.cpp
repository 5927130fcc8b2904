// The receiver kinds' own keys, read by each kind's parser: credentials from *_env / *_file,
// kind-specific keys, errors at their positions.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "noctua/alerts/channels/email.hpp"
#include "noctua/alerts/channels/pagerduty.hpp"
#include "noctua/alerts/channels/telegram.hpp"
#include "noctua/alerts/channels/whatsapp.hpp"
#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using noctua::alerts::EmailOptions;
using noctua::alerts::PagerDutyOptions;
using noctua::alerts::TelegramOptions;
using noctua::alerts::WhatsAppOptions;
using noctua::testing::builtin_kind_parsers;

namespace {

LoadResult load(const std::string& toml) {
    return load_string(toml, "<string>", builtin_kind_parsers());
}

std::vector<std::string> errors_of(const std::string& toml) {
    auto result = load_string(toml, "r.toml", builtin_kind_parsers());
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
        auto r = load(R"([[receivers]]
name = "pd"
kind = "pagerduty"
routing_key_env = "NOCTUA_TEST_RECEIVER_SECRET"
rate_limit = 60
rate_period = "1m"
[route]
receiver = "pd"
)");
        const auto& rc = only_receiver(r);
        const auto& key = rc.options.get<PagerDutyOptions>().routing_key;
        REQUIRE(key);
        CHECK(key->reveal() == "s3cr3t-value");
        CHECK(key->source() == "env NOCTUA_TEST_RECEIVER_SECRET");
        CHECK(rc.rate_limit == 60);
        CHECK(rc.rate_period == std::chrono::minutes(1));
        CHECK_FALSE(rc.url.has_value());
    }
    SECTION("telegram bot_token_env and chat_id") {
        const auto r = load(R"([[receivers]]
name = "tg"
kind = "telegram"
bot_token_env = "NOCTUA_TEST_RECEIVER_SECRET"
chat_id = "-100123"
[route]
receiver = "tg"
)");
        const auto& o = only_receiver(r).options.get<TelegramOptions>();
        CHECK(o.chat_id == "-100123");
        CHECK(o.bot_token->reveal() == "s3cr3t-value");
    }
    SECTION("slack url_env") {
        ::setenv("NOCTUA_TEST_SLACK_URL", "https://hooks.slack.com/services/T/B/x", 1);
        const auto r = load(R"([[receivers]]
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
        const auto r = load(R"([[receivers]]
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
        const auto& o = only_receiver(r).options.get<WhatsAppOptions>();
        CHECK(o.provider == "twilio");
        CHECK(o.to == std::vector<std::string>{"+34600000001"});
        CHECK(o.template_name == "HXb5b62575e6e4ff6129ad7c8efe1f983e");
    }
    SECTION("email with a password") {
        const auto r = load(R"([[receivers]]
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
        const auto& o = only_receiver(r).options.get<EmailOptions>();
        CHECK(o.starttls);
        CHECK(o.username == "noc");
        CHECK(o.password->reveal() == "s3cr3t-value");
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

TEST_CASE("receiver kinds: each parser reports a bad key of its own at FILE:LINE:COL",
          "[alerts][config][unit]") {
    // A misspelt own key: unknown, with the kind's own key suggested.
    const auto typo = errors_of(
        "[[receivers]]\nname = \"t\"\nkind = \"telegram\"\nbot_token = \"1:x\"\n"
        "chatid = \"-1\"\n[route]\nreceiver = \"t\"\n");
    REQUIRE(typo.size() == 2);
    CHECK(typo[0] == "r.toml:1:1: receivers[0]: missing required key \"chat_id\"");
    CHECK_THAT(typo[1], StartsWith("r.toml:5:1: receivers[0].chatid: unknown key \"chatid\" "
                                   "(did you mean \"chat_id\"?)"));
    // A bad value of an own key, at the value.
    CHECK(errors_of("[[receivers]]\nname = \"am\"\nkind = \"alertmanager\"\n"
                    "url = \"http://127.0.0.1:9093\"\nends_after = \"5\"\n"
                    "[route]\nreceiver = \"am\"\n")
              .at(0)
              .starts_with("r.toml:5:14: receivers[0].ends_after: "));
    // A credential of another kind is not a key of this one.
    CHECK_THAT(errors_of("[[receivers]]\nname = \"og\"\nkind = \"opsgenie\"\napi_key = \"k\"\n"
                         "routing_key = \"r\"\n[route]\nreceiver = \"og\"\n")
                   .at(0),
               StartsWith("r.toml:5:1: receivers[0].routing_key: unknown key"));
}

TEST_CASE("receiver kinds: every kind supplies its parser; without them only common keys load",
          "[alerts][config][unit]") {
    for (const auto kind : kReceiverKinds.kinds) {
        INFO(kind);
        CHECK(builtin_kind_parsers().receiver(kind) != nullptr);
    }
    // Config alone knows no kind's own keys: they are unknown keys, never silently dropped.
    const auto without = load_string(
        "[[receivers]]\nname = \"t\"\nkind = \"telegram\"\nchat_id = \"-1\"\n"
        "[route]\nreceiver = \"t\"\n",
        "r.toml");
    REQUIRE_FALSE(without.has_value());
    CHECK_THAT(without.error().at(0).to_string(),
               StartsWith("r.toml:4:1: receivers[0].chat_id: unknown key"));
}
