// Status-test suites against noctua-sim in-process: a healthy provider passes every step, each
// broken one fails at the step that shows the fault, with the provider's reason, and a
// catalogue_change shows up in the next run as exactly what the simulator changed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/registry_parsers.hpp"
#include "noctua/testing/toml_pieces.hpp"
#include "noctua/probes/status_report.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/sim/fault.hpp"
#include "noctua/sim/provider.hpp"
#include "probe_runner.hpp"
#include "noctua/testing/running_sim.hpp"

using namespace noctua;
using namespace std::chrono_literals;

namespace {

/// Every built-in status-test kind's parser.
const config::KindParsers& suite_parsers() {
    return testing::kind_parsers_of(probes::register_builtin_suites);
}

sim::FleetSpec fleet() {
    sim::FleetSpec f;
    f.seed = 7;
    sim::ProviderSpec acme;
    acme.id = "acme";
    acme.name = "Acme Topups";
    acme.countries = {"ES", "MX"};
    acme.currency = "EUR";
    acme.balance = 5000;
    sim::complete_defaults(acme);
    f.providers.push_back(acme);
    return f;
}

config::StatusTestConfig suite_config(const testing::RunningSim& sim, std::string_view extra = "") {
    const auto cfg = testing::load_config(
        testing::toml::sim_provider(sim.host()) +
        testing::toml::daily_status_test(fmt::format("retries = 0\ntimeout = \"5s\"\n{}\n", extra)),
        suite_parsers());
    REQUIRE(cfg.status_tests.size() == 1);
    return cfg.status_tests[0];
}

struct Fixture : testing::ProbeRunner<core::ManualClock> {
    probes::SuiteRegistry suites;
    Fixture() {
        clock.set(core::TimePoint{1'714'557'600'000ms});
        probes::register_builtin_suites(suites);
    }
    probes::SuiteResult run(const config::StatusTestConfig& c) {
        auto suite = suites.create(c, ctx);
        INFO((suite ? "" : suite.error().message));
        REQUIRE(suite.has_value());
        std::optional<probes::SuiteResult> result;
        (*suite)->async_run([&](probes::SuiteResult r) { result = std::move(r); });
        REQUIRE(testing::run_until(ioc, [&] { return result.has_value(); }, 30s));
        return *result;
    }
};

void inject(testing::RunningSim& sim, sim::Fault f) {
    sim.with([&](sim::SimService& s) { s.find("acme")->add_fault(f); });
}

std::vector<std::string> step_states(const probes::SuiteResult& r) {
    std::vector<std::string> out;
    for (const auto& s : r.steps) out.push_back(s.name + (s.skipped ? ":skipped" : s.success ? ":ok" : ":failed"));
    return out;
}

}  // namespace

TEST_CASE("status tests: a healthy provider passes every step, the whole catalogue read", "[probes][integration]") {
    testing::RunningSim sim(fleet());
    Fixture f;
    std::size_t operators = 0;
    sim.with([&](sim::SimService& s) { operators = s.find("acme")->catalogue().size(); });
    REQUIRE(operators > 4);  // several pages of 2

    const auto r = f.run(suite_config(sim));
    INFO(r.message);
    CHECK(r.success);
    CHECK(step_states(r) == std::vector<std::string>{"authenticate:ok", "balance:ok", "catalogue:ok",
                                                     "transaction:ok", "status:ok"});
    CHECK(r.provider_name == "Acme Topups");
    REQUIRE(r.balance.has_value());
    CHECK(*r.balance == 5000);
    CHECK(r.currency == "EUR");
    REQUIRE(r.catalogue.has_value());
    CHECK(r.catalogue->size() == operators);
    CHECK(r.steps[2].attempts == static_cast<int>((operators + 1) / 2));  // one request per page
    CHECK(std::is_sorted(r.catalogue->begin(), r.catalogue->end(),
                         [](const auto& a, const auto& b) { return a.name < b.name; }));
    CHECK(r.failed_step.empty());
}

TEST_CASE("status tests: each broken provider fails at the step that shows it, with the reason",
          "[probes][integration]") {
    testing::RunningSim sim(fleet());
    Fixture f;
    // A broken provider: its fault, the step that shows it, the failure reason and what the
    // message says.
    struct Case {
        std::string name;
        sim::FaultKind fault;
        std::string step;
        std::string reason;
        std::string message;
    };
    const auto c = GENERATE(values<Case>({
        {"outage", sim::FaultKind::outage, "authenticate", "status", "status 503"},
        {"token failure", sim::FaultKind::token_failure, "authenticate", "status", "status 503"},
        {"drained balance", sim::FaultKind::balance_drain, "balance", "assertion",
         "body.balance > 0: body.balance is 0"},
        {"operator failure", sim::FaultKind::operator_failure, "transaction", "status",
         "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE: The operator is currently unavailable or inactive"},
    }));
    INFO(c.name);
    const auto& [name, kind, step, reason, message] = c;
    sim::Fault fault;
    fault.kind = kind;
    if (fault.kind == sim::FaultKind::operator_failure) {
        // Every operator, so whichever the suite tops up is refused.
        sim.with([&](sim::SimService& s) {
            auto* p = s.find("acme");
            for (const auto& op : std::vector<sim::Operator>(p->catalogue())) {
                sim::Fault each = fault;
                each.target = std::to_string(op.id);
                p->add_fault(each);
            }
        });
    } else {
        inject(sim, fault);
    }
    const auto r = f.run(suite_config(sim));
    CHECK_FALSE(r.success);
    CHECK(r.failed_step == step);
    CHECK(r.reason == reason);
    INFO(r.message);
    CHECK(r.message.find(message) != std::string::npos);
    // The steps after the failed one are reported as skipped.
    bool after = false;
    for (const auto& s : r.steps) {
        if (after) CHECK(s.skipped);
        if (s.name == step) after = true;
    }
    probes::StatusReport report;
    report.results = {r};
    CHECK_FALSE(report.success());
    const auto junit = probes::render_report(report, probes::ReportFormat::junit);
    CHECK(junit.find("<failure type=\"" + reason + "\"") != std::string::npos);
}

TEST_CASE("status tests: a catalogue_change appears in the next run as exactly what it changed",
          "[probes][integration]") {
    testing::RunningSim sim(fleet());
    Fixture f;
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-catalogue-{}", ::getpid());
    std::filesystem::remove_all(dir);
    const auto cfg = suite_config(sim, R"(steps = ["authenticate", "catalogue"])");

    auto first = f.run(cfg);
    REQUIRE(first.success);
    REQUIRE(probes::remember_catalogue(dir.string(), first).has_value());
    CHECK(first.catalogue_baseline);
    CHECK(first.catalogue_changes.empty());

    std::vector<sim::Operator> before;
    std::vector<sim::Operator> after;
    sim.with([&](sim::SimService& s) {
        auto* p = s.find("acme");
        before = p->catalogue();
        sim::Fault c;
        c.kind = sim::FaultKind::catalogue_change;
        p->add_fault(c);
        after = p->catalogue();
    });
    auto second = f.run(cfg);
    REQUIRE(second.success);
    REQUIRE(probes::remember_catalogue(dir.string(), second).has_value());
    CHECK_FALSE(second.catalogue_baseline);

    // What the simulator did, read from its own catalogue.
    std::vector<std::pair<std::string, std::string>> expected;  // change, id
    for (const auto& o : before) {
        auto it = std::find_if(after.begin(), after.end(), [&](const auto& n) { return n.id == o.id; });
        if (it == after.end()) {
            expected.emplace_back("removed", std::to_string(o.id));
            continue;
        }
        if (it->name != o.name) expected.emplace_back("renamed", std::to_string(o.id));
        if (it->min_amount != o.min_amount || it->max_amount != o.max_amount) {
            expected.emplace_back("repriced", std::to_string(o.id));
        }
    }
    for (const auto& n : after) {
        if (std::none_of(before.begin(), before.end(), [&](const auto& o) { return o.id == n.id; })) {
            expected.emplace_back("added", std::to_string(n.id));
        }
    }
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& c : second.catalogue_changes) seen.emplace_back(c.change, c.id);
    std::sort(expected.begin(), expected.end());
    std::sort(seen.begin(), seen.end());
    CHECK(seen == expected);
    CHECK(seen.size() >= 4);  // withdrawn, renamed, repriced, newcomer
    for (const auto& c : second.catalogue_changes) {
        if (c.change == "renamed") CHECK(c.after == c.before + " (rebranded)");
        if (c.change == "added") CHECK(c.name == "ES NewTel");
    }
    const auto md = probes::render_report(probes::StatusReport{"2026-12-03", {}, {second}, {}},
                                          probes::ReportFormat::markdown);
    CHECK(md.find("(rebranded)") != std::string::npos);

    // A third run against the same catalogue: nothing changed.
    auto third = f.run(cfg);
    REQUIRE(probes::remember_catalogue(dir.string(), third).has_value());
    CHECK(third.catalogue_changes.empty());
    std::filesystem::remove_all(dir);
}

TEST_CASE("status tests: suite config errors are positioned", "[probes][unit]") {
    const auto errors = [](std::string_view body) {
        auto cfg = config::load_string(fmt::format(R"([[providers]]
id = "acme"
base_url = "http://127.0.0.1:1/acme"

[[status_tests]]
id = "s"
provider = "acme"
{})",
                                                   body),
                                       "s.toml", suite_parsers());
        REQUIRE_FALSE(cfg.has_value());
        std::vector<std::string> out;
        for (const auto& e : cfg.error()) out.push_back(e.to_string());
        return out;
    };
    CHECK(errors(R"(schedule = "0 25 * * *")") ==
          std::vector<std::string>{"s.toml:8:12: status_tests[0].schedule: hour: 25 is outside 0-23"});
    CHECK(errors(R"(timezone = "Europe/Nowhere")") ==
          std::vector<std::string>{"s.toml:8:12: status_tests[0].timezone: unknown time zone \"Europe/Nowhere\""});
    CHECK(errors(R"(steps = ["balance", "ping"])") ==
          std::vector<std::string>{"s.toml:8:9: status_tests[0].steps: unknown step \"ping\" (known: authenticate, "
                                   "balance, catalogue, transaction, status)"});
    CHECK(errors("step = { catalog = { retries = 2 } }") ==
          std::vector<std::string>{"s.toml:8:20: status_tests[0].step.catalog: \"catalog\" is not one of this "
                                   "suite's steps"});
    CHECK(errors("colour = 1").size() == 1);
}

TEST_CASE("status tests: report receivers must exist, errors at the unknown name", "[probes][unit]") {
    const auto load = [](std::string_view reports, std::string_view notify) {
        return config::load_string(fmt::format(R"([[providers]]
id = "acme"
base_url = "http://127.0.0.1:1/acme"

[[receivers]]
name = "noc-chat"
kind = "log"

[route]
receiver = "noc-chat"

[status_reports]
{}

[[status_tests]]
id = "s"
provider = "acme"
{}
)",
                                               reports, notify),
                                   "r.toml", suite_parsers());
    };
    auto ok = load(R"(receivers = ["noc-chat"])", R"(notify = ["noc-chat"])");
    REQUIRE(ok.has_value());
    CHECK(ok->status_reports.receivers == std::vector<std::string>{"noc-chat"});
    CHECK(ok->status_tests[0].notify == std::vector<std::string>{"noc-chat"});
    // The link defaults to external_url, itself defaulting to the listen address.
    CHECK(ok->status_reports.link_base == ok->external_url);
    CHECK(load(R"(link_base = "https://noc.example.com/")", "")->status_reports.link_base ==
          "https://noc.example.com");

    auto bad = load(R"(receivers = ["noc-chat", "noc-chta"])", R"(notify = ["pager"])");
    REQUIRE_FALSE(bad.has_value());
    std::vector<std::string> got;
    for (const auto& e : bad.error()) got.push_back(e.to_string());
    CHECK(got == std::vector<std::string>{
                     "r.toml:13:26: status_reports.receivers[1]: unknown receiver \"noc-chta\" (did you mean "
                     "\"noc-chat\"?); known receivers: \"noc-chat\"",
                     "r.toml:18:11: status_tests[0].notify[0]: unknown receiver \"pager\"; known receivers: "
                     "\"noc-chat\""});
    CHECK_FALSE(load(R"(link_base = "ftp://x")", "").has_value());
}

TEST_CASE("status tests: a step's own retries send a failed exchange again", "[probes][integration]") {
    testing::RunningSim sim(fleet());
    Fixture f;
    sim::Fault outage;
    outage.kind = sim::FaultKind::outage;
    inject(sim, outage);
    const auto r = f.run(suite_config(sim, "step = { authenticate = { retries = 2 } }"));
    CHECK(r.failed_step == "authenticate");
    REQUIRE_FALSE(r.steps.empty());
    CHECK(r.steps[0].attempts == 3);
}
