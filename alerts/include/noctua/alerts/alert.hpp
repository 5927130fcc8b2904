#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::alerts {

enum class AlertState { firing, resolved };
[[nodiscard]] std::string_view to_string(AlertState s);

using Annotations = std::map<std::string, std::string>;

/// Someone has taken an alert in hand: escalation and reminders stop for it, and receivers
/// that understand acknowledgements are told. Lasts while the alert fires: a later firing of the
/// same labels is a new incident and needs a new ack.
struct Ack {
    std::string by;  ///< who (as they gave it)
    std::string comment;
    core::TimePoint at{};

    friend bool operator==(const Ack&, const Ack&) = default;
};

/// An alert: identity is its label set (which includes `alertname`), as in Alertmanager.
struct Alert {
    core::Labels labels;
    Annotations annotations;
    AlertState state = AlertState::firing;
    core::TimePoint starts_at{};
    core::TimePoint ends_at{};  ///< zero while firing
    core::TimePoint updated_at{};
    std::optional<Ack> ack;  ///< set while the firing alert is acknowledged

    [[nodiscard]] std::uint64_t fingerprint() const { return labels.fingerprint(); }
    [[nodiscard]] std::string_view alertname() const {
        return labels.get("alertname").value_or("");
    }
};

/// What a rule tells the engine: this label set is (or is no longer) alerting.
struct AlertInput {
    core::Labels labels;  ///< must contain alertname
    Annotations annotations;
    bool active = false;
    core::TimePoint at{};
};

}  // namespace noctua::alerts
