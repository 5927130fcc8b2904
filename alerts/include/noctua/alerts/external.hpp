#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/result.hpp"

namespace noctua::alerts {

/// Alerts pushed by other systems through Alertmanager's `POST /api/v2/alerts` (Prometheus
/// names Noctua in `alerting.alertmanagers`): they join the same routing, grouping, muting and
/// durable delivery as Noctua's own. An alert is active until its `endsAt`; Prometheus re-sends
/// active alerts with `endsAt` moved ahead, and one sent without `endsAt` ends after
/// `resolve_timeout` unless re-sent (Alertmanager's rule).
///
/// Not thread-safe: owned by the alert pipeline's strand.
class ExternalAlerts {
public:
    /// At most this many alerts in one request (a larger body is refused whole).
    static constexpr std::size_t kMaxAlertsPerRequest = 10000;

    explicit ExternalAlerts(core::Duration resolve_timeout = std::chrono::minutes(5))
        : resolve_timeout_(resolve_timeout) {}

    /// Parses a v2 body (a JSON array of `{labels, annotations, startsAt, endsAt,
    /// generatorURL}`) and returns the engine inputs, in order. Errors (Errc::invalid_argument)
    /// name the first bad alert; nothing of a bad body is applied.
    [[nodiscard]] core::Result<std::vector<AlertInput>> receive(std::string_view body,
                                                                core::TimePoint now);

    /// Inputs that resolve the alerts whose end has passed.
    [[nodiscard]] std::vector<AlertInput> expire(core::TimePoint now);

    [[nodiscard]] std::size_t active() const { return ends_.size(); }
    /// True while the alert with this fingerprint came from outside and has not ended.
    [[nodiscard]] bool tracks(std::uint64_t fingerprint) const {
        return ends_.contains(fingerprint);
    }

private:
    struct Entry {
        core::Labels labels;
        core::TimePoint ends{};
    };
    core::Duration resolve_timeout_;
    std::unordered_map<std::uint64_t, Entry> ends_;  // by fingerprint
};

}  // namespace noctua::alerts
