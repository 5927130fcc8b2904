// The receiver kinds' own keys, read by each kind's parser: credentials from *_env / *_file,
// kind-specific keys, errors at their positions.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/channels/email.hpp"
#include "noctua/alerts/channels/pagerduty.hpp"
#include "noctua/alerts/channels/telegram.hpp"
#include "noctua/alerts/channels/whatsapp.hpp"
#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_family.hpp"
#include "noctua/testing/registry_parsers.hpp"

using namespace noctua::config;
using namespace noctua::alerts;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

/// Every built-in receiver kind's parser.
const KindParsers& receiver_parsers() {
    return noctua::testing::kind_parsers_of(register_builtin_channels);
}

/// One receiver "r" of `kind` with `keys` (from line 4 on), and the route to it.
std::string entry(std::string_view kind, std::string_view keys) {
    return noctua::testing::kind_entry(kReceiverKinds, "name = \"r\"", kind, keys) +
           "[route]\nreceiver = \"r\"\n";
}

/// The receiver of `entry(kind, keys)`, loaded with every kind's parser.
ReceiverConfig only_receiver(std::string_view kind, std::string_view keys) {
    auto loaded = noctua::testing::load_config(entry(kind, keys), receiver_parsers());
    REQUIRE(loaded.receivers.size() == 1);
    return loaded.receivers[0];
}

/// The errors of `entry(kind, keys)` as `r.toml:L:C: key: message` lines, with or without the
/// kinds' parsers.
std::vector<std::string> errors_of(std::string_view kind, std::string_view keys,
                                   bool with_parsers = true) {
    const KindParsers none;
    return noctua::testing::load_errors(entry(kind, keys), "r.toml",
                                with_parsers ? receiver_parsers() : none);
}

}  // namespace

TEST_CASE("config: chat and pager receivers read their credential from _env, never inline-only",
          "[config][unit]") {
    ::setenv("NOCTUA_TEST_RECEIVER_SECRET", "s3cr3t-value", 1);
    SECTION("pagerduty routing_key_env") {
        const auto rc = only_receiver("pagerduty",
                                      "routing_key_env = \"NOCTUA_TEST_RECEIVER_SECRET\"\n"
                                      "rate_limit = 60\nrate_period = \"1m\"\n");
        const auto& key = rc.options.get<PagerDutyOptions>().routing_key;
        REQUIRE(key);
        CHECK(key->reveal() == "s3cr3t-value");
        CHECK(key->source() == "env NOCTUA_TEST_RECEIVER_SECRET");
        CHECK(rc.rate_limit == 60);
        CHECK(rc.rate_period == std::chrono::minutes(1));
        CHECK_FALSE(rc.url.has_value());
    }
    SECTION("telegram bot_token_env and chat_id") {
        const auto rc = only_receiver(
            "telegram", "bot_token_env = \"NOCTUA_TEST_RECEIVER_SECRET\"\nchat_id = \"-100123\"\n");
        const auto& o = rc.options.get<TelegramOptions>();
        CHECK(o.chat_id == "-100123");
        CHECK(o.bot_token->reveal() == "s3cr3t-value");
    }
    SECTION("slack url_env") {
        ::setenv("NOCTUA_TEST_SLACK_URL", "https://hooks.slack.com/services/T/B/x", 1);
        const auto rc = only_receiver("slack", "url_env = \"NOCTUA_TEST_SLACK_URL\"\n");
        CHECK(rc.url->reveal() == "https://hooks.slack.com/services/T/B/x");
    }
    SECTION("whatsapp through twilio") {
        const auto rc = only_receiver("whatsapp",
                                      "provider = \"twilio\"\n"
                                      "account_sid = \"AC0123456789abcdef0123456789abcdef\"\n"
                                      "auth_token_env = \"NOCTUA_TEST_RECEIVER_SECRET\"\n"
                                      "from = \"+15005550006\"\nto = [\"+34600000001\"]\n"
                                      "template = \"HXb5b62575e6e4ff6129ad7c8efe1f983e\"\n");
        const auto& o = rc.options.get<WhatsAppOptions>();
        CHECK(o.provider == "twilio");
        CHECK(o.to == std::vector<std::string>{"+34600000001"});
        CHECK(o.template_name == "HXb5b62575e6e4ff6129ad7c8efe1f983e");
    }
    SECTION("email with a password") {
        const auto rc = only_receiver("email",
                                      "url = \"smtp://127.0.0.1:587\"\n"
                                      "from = \"noc@example.org\"\nto = [\"oncall@example.org\"]\n"
                                      "username = \"noc\"\n"
                                      "password_env = \"NOCTUA_TEST_RECEIVER_SECRET\"\n");
        const auto& o = rc.options.get<EmailOptions>();
        CHECK(o.starttls);
        CHECK(o.username == "noc");
        CHECK(o.password->reveal() == "s3cr3t-value");
    }
}

TEST_CASE("config: receiver kinds report what they miss and keys of other kinds",
          "[config][unit]") {
    CHECK_THAT(errors_of("pagerduty", "").at(0),
               Contains("pagerduty receivers need one of routing_key, routing_key_env or "
                        "routing_key_file"));
    CHECK_THAT(errors_of("slack", "").at(0),
               Contains("slack receivers need one of url, url_env or url_file"));
    auto wrong = errors_of("slack", "url = \"https://x.example/h\"\nchat_id = \"1\"\n");
    REQUIRE(wrong.size() == 1);
    CHECK_THAT(wrong[0], Contains("r.toml:5:1: receivers[0].chat_id: unknown key"));
    CHECK_THAT(
        errors_of("email", "url = \"https://mail.example\"\nfrom = \"a@b\"\nto = [\"c@d\"]\n")
            .at(0),
        Contains("must start with smtp:// or smtps://"));
    CHECK_THAT(errors_of("whatsapp",
                         "access_token = \"t\"\nphone_number_id = \"1\"\n"
                         "template = \"x\"\nto = [\"0034600\"]\n")
                   .at(0),
               Contains("\"0034600\" is not an E.164 number"));
}

TEST_CASE("receiver kinds: each parser reports a bad key of its own at FILE:LINE:COL",
          "[alerts][config][unit]") {
    // A misspelt own key: unknown, with the kind's own key suggested.
    const auto typo = errors_of("telegram", "bot_token = \"1:x\"\nchatid = \"-1\"\n");
    REQUIRE(typo.size() == 2);
    CHECK(typo[0] == "r.toml:1:1: receivers[0]: missing required key \"chat_id\"");
    CHECK_THAT(typo[1], StartsWith("r.toml:5:1: receivers[0].chatid: unknown key \"chatid\" "
                                   "(did you mean \"chat_id\"?)"));
    // A bad value of an own key, at the value.
    CHECK_THAT(
        errors_of("alertmanager", "url = \"http://127.0.0.1:9093\"\nends_after = \"5\"\n").at(0),
        StartsWith("r.toml:5:14: receivers[0].ends_after: "));
    // A credential of another kind is not a key of this one.
    CHECK_THAT(errors_of("opsgenie", "api_key = \"k\"\nrouting_key = \"r\"\n").at(0),
               StartsWith("r.toml:5:1: receivers[0].routing_key: unknown key"));
}

TEST_CASE("receiver kinds: every kind supplies its parser; without them only common keys load",
          "[alerts][config][unit]") {
    for (const auto kind : kReceiverKinds.kinds) {
        INFO(kind);
        CHECK(receiver_parsers().receiver(kind) != nullptr);
    }
    // Config alone knows no kind's own keys: they are unknown keys, never silently dropped.
    CHECK_THAT(errors_of("telegram", "chat_id = \"-1\"\n", false).at(0),
               StartsWith("r.toml:4:1: receivers[0].chat_id: unknown key"));
}
