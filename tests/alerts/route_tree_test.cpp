#include <catch2/catch.hpp>

#include "noctua/alerts/route_tree.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using RouteSpec = config::RouteConfig;

namespace {
core::Matchers ms(std::string_view text) { return *core::parse_matchers(text); }

// root: noc-slack, group by provider
//   tier=premium  -> premium-pager (continue)
//   severity=page -> pager, group_wait 0s
//      provider=acme -> acme-team
//   alertname=~"Balance.*" -> finance
RouteSpec tree() {
    RouteSpec root;
    root.receiver = "noc-slack";
    root.group_by = std::vector<std::string>{"provider", "alertname"};
    RouteSpec premium;
    premium.matchers = ms(R"(tier="premium")");
    premium.receiver = "premium-pager";
    premium.continue_matching = true;
    RouteSpec page;
    page.matchers = ms(R"(severity="page")");
    page.receiver = "pager";
    page.group_wait = 0s;
    RouteSpec acme;
    acme.matchers = ms(R"(provider="acme")");
    acme.receiver = "acme-team";
    page.routes.push_back(acme);
    RouteSpec balance;
    balance.matchers = ms(R"(alertname=~"Balance.*")");
    balance.receiver = "finance";
    balance.group_by = std::vector<std::string>{"..."};
    root.routes = {premium, page, balance};
    return root;
}

std::vector<std::string> receivers(const alerts::RouteTree& t, const core::Labels& l) {
    std::vector<std::string> out;
    for (const auto* r : t.match(l)) out.push_back(r->options.receiver);
    return out;
}
}  // namespace

TEST_CASE("RouteTree: first matching child, continue, fallback to the parent", "[alerts][unit]") {
    const alerts::RouteTree t{tree()};
    using V = std::vector<std::string>;
    CHECK(receivers(t, {{"alertname", "X"}, {"provider", "zeta"}}) == V{"noc-slack"});
    CHECK(receivers(t, {{"alertname", "X"}, {"severity", "page"}, {"provider", "zeta"}}) ==
          V{"pager"});
    CHECK(receivers(t, {{"alertname", "X"}, {"severity", "page"}, {"provider", "acme"}}) ==
          V{"acme-team"});
    // continue: premium goes on to the next sibling that matches.
    CHECK(receivers(t, {{"alertname", "X"}, {"severity", "page"}, {"tier", "premium"}}) ==
          V{"premium-pager", "pager"});
    CHECK(receivers(t, {{"alertname", "BalanceLow"}, {"severity", "ticket"}}) == V{"finance"});
    CHECK(t.receivers() == V{"acme-team", "finance", "noc-slack", "pager", "premium-pager"});
}

TEST_CASE("RouteTree: options are inherited unless set; keys are stable", "[alerts][unit]") {
    const alerts::RouteTree t{tree()};
    const auto* acme = t.match({{"severity", "page"}, {"provider", "acme"}}).front();
    CHECK(acme->options.group_wait == 0s);        // from its parent
    CHECK(acme->options.group_interval == 5min);  // default
    CHECK(acme->options.group_by == std::vector<std::string>{"alertname", "provider"});
    CHECK(acme->key == R"({}/{severity="page"}/{provider="acme"})");

    const core::Labels alert{{"alertname", "ProviderDown"}, {"provider", "acme"}, {"x", "1"}};
    const auto g = alerts::group_labels(acme->options, alert);
    CHECK(g == core::Labels{{"alertname", "ProviderDown"}, {"provider", "acme"}});
    CHECK(alerts::group_key(*acme, g) ==
          R"({}/{severity="page"}/{provider="acme"}:{alertname="ProviderDown", provider="acme"})");

    const auto* fin = t.match({{"alertname", "BalanceLow"}}).front();
    CHECK(fin->options.group_by_all);
    CHECK(alerts::group_labels(fin->options, alert) == alert);

    // The same config builds the same keys: what two instances need to agree.
    const alerts::RouteTree t2{tree()};
    CHECK(t2.match({{"severity", "page"}, {"provider", "acme"}}).front()->key == acme->key);
}
