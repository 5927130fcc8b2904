#pragma once

#include <optional>
#include <string>
#include <vector>

#include "noctua/alerts/group.hpp"
#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `[[escalations]]`: after each step's delay from a group's first page, a group that still
/// fires unacknowledged is told to the step's receiver too (Grafana OnCall's and PagerDuty's
/// escalation chains, Zabbix's escalation steps).
using EscalationPolicy = config::EscalationConfig;

/// The escalation clock of one group lives in its NotifyRecord (`since`, `steps`,
/// `escalated_to`), so it survives a restart with the rest of what receivers were told.
/// These functions are pure.

/// When the next step is due, or nullopt when every step was taken or nothing was paged yet.
[[nodiscard]] std::optional<core::TimePoint> next_step_at(const EscalationPolicy& policy,
                                                          const NotifyRecord& record);

/// Takes every step due at `now`: advances `record.steps` and appends each step's receiver to
/// `record.escalated_to` unless it already hears of the group (`primary`, or an earlier step).
/// Returns the receivers newly told, in step order.
[[nodiscard]] std::vector<std::string> take_due_steps(const EscalationPolicy& policy,
                                                      NotifyRecord& record,
                                                      const std::string& primary,
                                                      core::TimePoint now);

}  // namespace noctua::alerts
