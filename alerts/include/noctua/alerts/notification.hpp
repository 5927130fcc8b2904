#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "noctua/alerts/alert.hpp"

namespace noctua::alerts {

/// One message to one receiver about a group of alerts (Alertmanager's notification).
/// Until grouping lands, each alert transition is its own group.
struct Notification {
    std::uint64_t id = 0;  ///< unique within the process, increasing
    std::string receiver;
    std::string group_key;     ///< Alertmanager-style: `{}:{alertname="X", provider="y"}`
    core::Labels group_labels;
    std::vector<Alert> alerts;
    core::TimePoint created{};
    /// Every firing alert in it was paged before and is now acknowledged: receivers that
    /// understand acks acknowledge the incident; the dispatcher does not send it to others.
    bool acknowledged = false;

    /// "firing" if any alert fires, else "resolved".
    [[nodiscard]] AlertState status() const;
    /// "firing", "resolved" or "acknowledged".
    [[nodiscard]] std::string_view status_name() const;
    /// Labels every alert shares (name and value).
    [[nodiscard]] core::Labels common_labels() const;
    [[nodiscard]] Annotations common_annotations() const;
};

/// Builds the notification for one alert transition.
[[nodiscard]] Notification make_notification(std::uint64_t id, std::string receiver,
                                             const Alert& alert, core::TimePoint now);

/// The Alertmanager webhook payload, version 4: firing alerts carry the zero
/// time as endsAt, top-level status is firing if any alert fires.
[[nodiscard]] std::string to_alertmanager_webhook_json(const Notification& n,
                                                       std::string_view external_url);

}  // namespace noctua::alerts
