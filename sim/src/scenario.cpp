#include "noctua/sim/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "noctua/sim/service.hpp"
#include "toml_util.hpp"

namespace noctua::sim {

core::Result<Scenario> parse_scenario(std::string_view text, std::string_view source) {
    auto parsed = detail::parse_toml(text, source);
    if (!parsed) return std::unexpected(parsed.error());
    const toml::table& root = *parsed;
    detail::TomlErrors errors{source};
    Scenario sc;
    detail::check_keys(root, {"name", "step"}, "", errors);
    if (auto v = detail::get_string(root, "name", "", errors)) sc.name = *v;

    const auto* node = root.get("step");
    const auto* arr = node != nullptr ? node->as_array() : nullptr;
    if (node != nullptr && arr == nullptr) errors.add(node->source(), "step", "expected [[step]] tables");
    if (arr != nullptr) {
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const std::string path = fmt::format("step[{}]", i);
            const auto* t = arr->get(i)->as_table();
            if (t == nullptr) {
                errors.add(arr->get(i)->source(), path, "expected a table");
                continue;
            }
            TimelineStep step;
            if (auto at = detail::get_duration(*t, "at", path, errors)) {
                if (at->count() < 0) errors.add(t->get("at")->source(), path + ".at", "must be >= 0");
                step.at = *at;
            } else if (!t->contains("at")) {
                errors.add(t->source(), path + ".at", "required (a duration from the start, e.g. \"10m\")");
            }
            if (auto p = detail::get_string(*t, "provider", path, errors)) step.provider = *p;
            else if (!t->contains("provider")) errors.add(t->source(), path + ".provider", "required (a provider id or \"*\")");
            const auto kind = detail::get_string(*t, "kind", path, errors);
            if (!kind) {
                if (!t->contains("kind")) errors.add(t->source(), path + ".kind", "required");
                continue;
            }
            if (*kind == "heal") {
                step.action = TimelineStep::Action::heal;
                detail::check_keys(*t, {"at", "provider", "kind"}, path, errors);
            } else if (*kind == "balance") {
                step.action = TimelineStep::Action::set_balance;
                detail::check_keys(*t, {"at", "provider", "kind", "balance"}, path, errors);
                if (auto b = detail::get_number(*t, "balance", path, errors)) step.balance = *b;
                else errors.add(t->source(), path + ".balance", "required for kind = \"balance\"");
            } else if (*kind == "clear") {
                step.action = TimelineStep::Action::clear;
                detail::check_keys(*t, {"at", "provider", "kind", "fault"}, path, errors);
                auto which = detail::get_string(*t, "fault", path, errors);
                auto k = which ? parse_fault_kind(*which) : std::nullopt;
                if (!k) errors.add(t->source(), path + ".fault", "required: the fault kind to clear");
                else step.fault.kind = *k;
            } else {
                // The fault's own keys are the control API's JSON body: reuse its validation.
                toml::table body;
                for (const auto& [k, v] : *t) {
                    if (k.str() == "at" || k.str() == "provider") continue;
                    body.insert(k, v);
                }
                std::stringstream json;
                json << toml::json_formatter{body};
                auto fault = parse_fault_json(json.str());
                if (!fault) {
                    errors.add(t->source(), path, fault.error().message);
                    continue;
                }
                step.fault = std::move(*fault);
            }
            sc.steps.push_back(std::move(step));
        }
    }
    if (!errors.empty()) return core::fail(core::Errc::parse, errors.joined());
    std::stable_sort(sc.steps.begin(), sc.steps.end(),
                     [](const TimelineStep& a, const TimelineStep& b) { return a.at < b.at; });
    return sc;
}

core::Result<Scenario> load_scenario(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return core::fail(core::Errc::io, fmt::format("{}: cannot open", path.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_scenario(ss.str(), path.string());
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
