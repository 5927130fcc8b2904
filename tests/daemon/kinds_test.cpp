// The kind registries the daemon wires, and what the configuration accepts, name the same
// kinds: a kind registered without its config (or the reverse) fails here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/config_fixtures.hpp"

using Catch::Matchers::EndsWith;

namespace {

/// The errors of `toml` joined, one per line.
std::string errors_of(const std::string& toml) {
    auto out =
        noctua::testing::config_errors(toml, "t.toml", noctua::daemon::builtin_kind_parsers());
    REQUIRE_FALSE(out.empty());
    return out;
}

}  // namespace

TEST_CASE("kinds: every registry is filled and frozen", "[daemon][unit]") {
    noctua::daemon::Kinds kinds;
    noctua::daemon::register_builtin_kinds(kinds);
    CHECK(kinds.probes.kinds() ==
          std::vector<std::string>{"dns", "heartbeat", "http", "scenario", "tcp", "tls"});
    CHECK(kinds.rules.kinds() ==
          std::vector<std::string>{"balance", "downtime", "latency", "traffic_loss"});
    CHECK(kinds.receivers.kinds() == std::vector<std::string>{"alertmanager", "email", "log", "opsgenie", "pagerduty", "slack", "teams", "telegram", "webhook", "whatsapp"});
    CHECK(kinds.streams.kinds() == std::vector<std::string>{"file", "http", "kafka"});
    CHECK(kinds.suites.kinds() == std::vector<std::string>{"reloadly"});
    CHECK(kinds.probes.frozen());
    CHECK(kinds.rules.frozen());
    CHECK(kinds.receivers.frozen());
    CHECK(kinds.streams.frozen());
    CHECK(kinds.suites.frozen());
}

TEST_CASE("kinds: the configuration knows exactly the registered kinds", "[daemon][unit]") {
    noctua::daemon::Kinds kinds;
    noctua::daemon::register_builtin_kinds(kinds);
    const auto known = [](const auto& registry) {
        return "known kinds: " + noctua::core::join_names(registry.kinds()) + "\n";
    };
    CHECK_THAT(errors_of("[[providers]]\nid = \"a\"\nbase_url = \"http://a.example\"\n"
                         "[[probes]]\nid = \"p\"\nprovider = \"a\"\npath = \"/\"\nkind = \"x\"\n"),
               EndsWith(known(kinds.probes)));
    CHECK_THAT(errors_of("[[rules]]\nname = \"R\"\nkind = \"x\"\n"), EndsWith(known(kinds.rules)));
    CHECK_THAT(errors_of("[[receivers]]\nname = \"r\"\nkind = \"x\"\n[route]\nreceiver = \"r\"\n"),
               EndsWith(known(kinds.receivers)));
    CHECK_THAT(errors_of("[[streams]]\nid = \"s\"\nkind = \"x\"\n"), EndsWith(known(kinds.streams)));
    CHECK_THAT(errors_of("[[providers]]\nid = \"a\"\nbase_url = \"http://a.example\"\n"
                         "[[status_tests]]\nid = \"t\"\nprovider = \"a\"\nkind = \"x\"\n"),
               EndsWith(known(kinds.suites)));
}

TEST_CASE("kinds: --help's table lists every table's kinds", "[daemon][unit]") {
    noctua::daemon::Kinds kinds;
    noctua::daemon::register_builtin_kinds(kinds);
    CHECK(noctua::daemon::kinds_table(kinds) ==
          "  [[probes]]        dns, heartbeat, http, scenario, tcp, tls\n"
          "  [[rules]]         balance, downtime, latency, traffic_loss\n"
          "  [[receivers]]     alertmanager, email, log, opsgenie, pagerduty, slack, teams, "
          "telegram, webhook, whatsapp\n"
          "  [[streams]]       file, http, kafka\n"
          "  [[status_tests]]  reloadly\n");
}

TEST_CASE("kinds: the daemon's parsers read every rule, receiver, stream and suite kind's own keys",
          "[daemon][unit]") {
    const auto& parsers = noctua::daemon::builtin_kind_parsers();
    for (const auto kind : noctua::config::kRuleKinds.kinds) {
        INFO(kind);
        CHECK(parsers.rules().contains(kind));
    }
    for (const auto kind : noctua::config::kReceiverKinds.kinds) {
        INFO(kind);
        CHECK(parsers.receiver(kind) != nullptr);
    }
    for (const auto kind : noctua::config::kStreamKinds.kinds) {
        INFO(kind);
        CHECK(parsers.streams().contains(kind));
    }
    for (const auto kind : noctua::config::kSuiteKinds.kinds) {
        INFO(kind);
        CHECK(parsers.suites().contains(kind));
    }
}

TEST_CASE("kinds: each registry holds exactly its family's kind list", "[daemon][unit]") {
    noctua::daemon::Kinds kinds;
    noctua::daemon::register_builtin_kinds(kinds);
    const auto listed = [](const noctua::config::KindFamily& family) {
        return std::vector<std::string>(family.kinds.begin(), family.kinds.end());
    };
    CHECK(kinds.probes.kinds() == listed(noctua::config::kProbeKinds));
    CHECK(kinds.rules.kinds() == listed(noctua::config::kRuleKinds));
    CHECK(kinds.receivers.kinds() == listed(noctua::config::kReceiverKinds));
    CHECK(kinds.streams.kinds() == listed(noctua::config::kStreamKinds));
    CHECK(kinds.suites.kinds() == listed(noctua::config::kSuiteKinds));
    for (const auto& family : noctua::config::kKindFamilies) {
        INFO(family.table);
        CHECK(std::is_sorted(family.kinds.begin(), family.kinds.end()));
    }
}
