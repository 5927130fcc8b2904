// `[[escalations]]`: named chains of steps that routes name with `escalation = "name"`.

#include <algorithm>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr std::string_view kEscalationKeys[] = {"name", "steps"};
constexpr std::string_view kStepKeys[] = {"after", "receiver"};
// A chain longer than this is a mistake; each step is a person woken up.
constexpr std::size_t kMaxSteps = 32;

}  // namespace

EscalationConfig parse_escalation(const Section& s, const std::vector<std::string>& receivers) {
    s.check_keys(kEscalationKeys);
    EscalationConfig out;
    if (s.require("name")) {
        s.read_string("name", out.name);
        check_id(s, "name", out.name);
    }
    const auto steps = s.table_array("steps");
    if (steps.empty()) {
        if (s.contains("steps")) {
            s.error("steps",
                    "needs at least one step, e.g. { after = \"10m\", receiver = \"...\" }");
        } else {
            s.error("an escalation needs steps = [{ after = \"10m\", receiver = \"...\" }, ...]");
        }
    }
    if (steps.size() > kMaxSteps) {
        s.error("steps", fmt::format("at most {} steps", kMaxSteps));
        return out;
    }
    for (const auto& step : steps) {
        step.check_keys(kStepKeys);
        EscalationStepConfig st;
        bool ok = true;
        if (step.require("after") && step.read_duration("after", st.after)) {
            if (st.after.count() <= 0) {
                step.error("after",
                           "must be positive (the route's own receiver is the first step)");
                ok = false;
            } else if (!out.steps.empty() && st.after <= out.steps.back().after) {
                step.error("after", fmt::format("must be later than the step before ({})",
                                                core::format_duration(out.steps.back().after)));
                ok = false;
            }
        } else {
            ok = false;
        }
        if (step.require("receiver") && step.read_string("receiver", st.receiver)) {
            if (st.receiver.empty()) {
                step.error("receiver", "must not be empty: name one of the [[receivers]]");
                ok = false;
            } else if (std::find(receivers.begin(), receivers.end(), st.receiver) ==
                       receivers.end()) {
                step.error("receiver",
                           unknown_message("receiver", "receivers", st.receiver, receivers, true));
                ok = false;
            }
        } else {
            ok = false;
        }
        if (ok) out.steps.push_back(std::move(st));
    }
    return out;
}

}  // namespace noctua::config::detail
