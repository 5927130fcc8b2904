#include "noctua/sim/scenario.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "noctua/config/section.hpp"
#include "noctua/sim/service.hpp"
#include "toml_input.hpp"

namespace noctua::sim {

namespace {

Scenario read_scenario(const config::Section& root) {
    Scenario sc;
    static constexpr std::string_view kRootKeys[] = {"name", "step"};
    root.check_keys(kRootKeys);
    root.read_string("name", sc.name);

    for (const auto& t : root.table_array("step")) {
        TimelineStep step;
        if (!t.contains("at")) {
            t.error("at", "required (a duration from the start, e.g. \"10m\")");
        } else {
            t.read_duration("at", step.at);
        }
        if (!t.contains("provider")) {
            t.error("provider", "required (a provider id or \"*\")");
        } else {
            t.read_string("provider", step.provider);
        }
        std::string kind;
        if (!t.require("kind") || !t.read_string("kind", kind)) continue;
        if (kind == "heal") {
            step.action = TimelineStep::Action::heal;
            static constexpr std::string_view kKeys[] = {"at", "kind", "provider"};
            t.check_keys(kKeys);
        } else if (kind == "balance") {
            step.action = TimelineStep::Action::set_balance;
            static constexpr std::string_view kKeys[] = {"at", "balance", "kind", "provider"};
            t.check_keys(kKeys);
            if (!t.read_number("balance", step.balance, std::numeric_limits<double>::lowest(),
                               std::numeric_limits<double>::max())) {
                t.error("balance", "required for kind = \"balance\"");
            }
        } else if (kind == "clear") {
            step.action = TimelineStep::Action::clear;
            static constexpr std::string_view kKeys[] = {"at", "fault", "kind", "provider"};
            t.check_keys(kKeys);
            std::string which;
            auto k = t.read_string("fault", which) ? parse_fault_kind(which) : std::nullopt;
            if (!k) t.error("fault", "required: the fault kind to clear");
            else step.fault.kind = *k;
        } else {
            // The fault's own keys are the control API's JSON body: reuse its validation.
            toml::table body;
            for (const auto& [k, v] : t.table()) {
                if (k.str() == "at" || k.str() == "provider") continue;
                body.insert(k, v);
            }
            std::stringstream json;
            json << toml::json_formatter{body};
            auto fault = parse_fault_json(json.str());
            if (!fault) {
                t.error(fault.error().message);
                continue;
            }
            step.fault = std::move(*fault);
        }
        sc.steps.push_back(std::move(step));
    }
    std::stable_sort(sc.steps.begin(), sc.steps.end(),
                     [](const TimelineStep& a, const TimelineStep& b) { return a.at < b.at; });
    return sc;
}

}  // namespace

core::Result<Scenario> parse_scenario(std::string_view text, std::string_view source) {
    return detail::read_toml(text, source, read_scenario);
}

core::Result<Scenario> load_scenario(const std::filesystem::path& path) {
    return detail::load_toml(path, read_scenario);
}

Timeline::Timeline(Scenario scenario, core::TimePoint start)
    : scenario_(std::move(scenario)), start_(start) {}

std::size_t Timeline::advance_to(core::TimePoint t, SimService& fleet) {
    std::size_t applied = 0;
    while (next_ < scenario_.steps.size() && start_ + scenario_.steps[next_].at <= t) {
        const auto& step = scenario_.steps[next_];
        const auto due = start_ + step.at;
        for (auto& p : fleet.providers()) {
            if (step.provider != "*" && step.provider != p->id()) continue;
            switch (step.action) {
                case TimelineStep::Action::fault: {
                    Fault f = step.fault;
                    f.since = due;
                    p->add_fault(std::move(f));
                    break;
                }
                case TimelineStep::Action::heal: p->heal(); break;
                case TimelineStep::Action::clear: p->clear_fault(step.fault.kind); break;
                case TimelineStep::Action::set_balance: p->set_balance(step.balance); break;
            }
        }
        ++next_;
        ++applied;
    }
    return applied;
}

std::optional<core::TimePoint> Timeline::next_due() const {
    if (next_ >= scenario_.steps.size()) return std::nullopt;
    return start_ + scenario_.steps[next_].at;
}

std::vector<std::string> unknown_providers(const Scenario& s, SimService& fleet) {
    std::vector<std::string> out;
    for (const auto& step : s.steps) {
        const bool known = step.provider == "*" || fleet.find(step.provider) != nullptr;
        const bool shift_known = step.action != TimelineStep::Action::fault ||
                                 step.fault.kind != FaultKind::traffic_shift ||
                                 fleet.find(step.fault.target) != nullptr;
        if (!known) out.push_back(step.provider);
        if (!shift_known) out.push_back(step.fault.target);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace noctua::sim
