#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/alerts/engine.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/sample.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/probes/scheduler.hpp"

namespace noctua::daemon {

/// A provider's state on the wall: `noctua_provider_status` is this value (0, 1, 2).
enum class ProviderState { up = 0, degraded = 1, down = 2 };
[[nodiscard]] std::string_view to_string(ProviderState s);  ///< "up", "degraded", "down"

struct WallProbe {
    std::string id;
    std::string kind;
    bool has_run = false;
    bool success = false;
    std::string failure_reason;  ///< bounded (probes::kFailureReasons)
    std::string message;         ///< human detail of the last failure
    double duration_seconds = 0;
    core::TimePoint started{};
};

struct WallAlert {
    std::string name;  ///< alertname
    std::string severity;
    std::string provider;  ///< "" when the alert names none
    std::string summary;
    std::string likely_cause;
    core::TimePoint since{};
};

struct WallBalance {
    std::string name;   ///< the series' currency, else its probe, else its rule
    std::string probe;  ///< the probe that reads it, if any
    double balance = 0;
    double burn_per_hour = 0;
    std::optional<double> exhaustion_seconds;  ///< nullopt: not spending, or no balance rule
    std::optional<double> refill_level;        ///< nullopt: never seen refilled, or no rule
};

/// One point of a provider's recent history: probe runs that passed during the step, and the
/// traffic-loss verdict at its end. NaN where there is nothing to show.
struct WallPoint {
    core::TimePoint at{};
    double success_ratio = std::nan("");
    double traffic = std::nan("");
    double expected = std::nan("");
    double expected_low = std::nan("");
};

struct WallProvider {
    std::string id;
    std::string name;
    ProviderState state = ProviderState::up;
    std::string state_reason;  ///< why not up: "ProviderDown firing", "probe x failed: timeout"
    std::vector<WallProbe> probes;
    std::vector<WallBalance> balances;
    std::vector<WallAlert> alerts;
    std::vector<WallPoint> history;  ///< oldest first, at most Wall::kHistoryPoints
};

/// What the status page shows: everything rendered comes from here.
struct WallSnapshot {
    core::TimePoint at{};
    std::string version;
    bool ready = false;
    std::vector<WallProvider> providers;  ///< in config order
    std::vector<WallAlert> other_alerts;  ///< firing alerts that name no known provider
    std::size_t notifications_pending = 0;
};

/// The state of one provider from its probes' last runs and its firing alerts: down when a
/// critical alert fires, degraded when another alert fires or a probe's last run failed, else
/// up. `reason` (optional) says why it is not up.
[[nodiscard]] ProviderState provider_state(const std::vector<WallProbe>& probes,
                                           const std::vector<WallAlert>& alerts,
                                           std::string* reason = nullptr);

/// The NOC wall's view of the pipeline: per-provider state, probes, balances, firing alerts
/// and a bounded ring of recent points per provider, plus the gauges the dashboards need that
/// no detector exports itself (noctua_provider_status, noctua_traffic_* with what a loss
/// costs: rates per hour and revenue at risk, noctua_balance_*,
/// noctua_window_error_codes; docs/dashboards.md).
///
/// Executor: the daemon's pipeline strand (not thread-safe). Memory: kHistoryPoints points
/// per configured provider; label values are bounded by the config (providers, rules), the
/// windows' max_series (traffic series) and kMaxErrorCodes per provider.
class Wall {
public:
    static constexpr std::size_t kHistoryPoints = 180;
    static constexpr core::Duration kHistoryStep = std::chrono::minutes(1);
    static constexpr std::size_t kMaxErrorCodes = 16;

    explicit Wall(prometheus::Registry& registry);
    Wall(const Wall&) = delete;
    Wall& operator=(const Wall&) = delete;

    /// Counts one probe run into its provider's current history point.
    void on_probe_result(const probes::ProbeResult& r);

    /// A window sample: `errors` samples of the `provider` set set the error-code gauges of
    /// their provider (its `volume` sample, which comes first, clears them).
    void on_stream_sample(const core::Sample& s);

    struct Inputs {
        const config::Config& config;
        const std::vector<probes::ProbeStatus>& probes;
        alerts::AlertsView firing;  ///< the firing alerts, by start (a vector converts)
        const std::vector<std::unique_ptr<detect::Detector>>& rules;
        std::size_t notifications_pending = 0;
        bool ready = false;
        std::string_view version;
    };

    /// Rebuilds the snapshot from the pipeline's state at `now`, updates the gauges and the
    /// rings (a new point once the last is kHistoryStep old, else the last point is updated).
    void refresh(const Inputs& in, core::TimePoint now);

    /// The view as of the last refresh().
    [[nodiscard]] const WallSnapshot& snapshot() const { return snapshot_; }

private:
    struct Ring {
        std::deque<WallPoint> points;
        int passed = 0;  // probe runs in the newest point's step
        int runs = 0;
    };
    /// Gauges of one family keyed by their label set, removed when a refresh no longer sets them.
    struct GaugeSet {
        explicit GaugeSet(prometheus::Family<prometheus::Gauge>& f) : family(&f) {}
        prometheus::Family<prometheus::Gauge>* family;
        std::unordered_map<std::uint64_t, prometheus::Gauge*> live;
        std::unordered_map<std::uint64_t, prometheus::Gauge*> next;
        void set(const core::Labels& labels, double value);
        void sweep();  // removes the gauges not set since the last sweep
    };

    /// The families kept as GaugeSets, by their index in gauges_.
    enum GaugeId : std::size_t {
        status,
        traffic_observed,
        traffic_expected,
        traffic_expected_low,
        traffic_expected_rate,
        traffic_observed_rate,
        traffic_revenue,
        burn,
        exhaustion,
        kGaugeCount
    };
    /// One GaugeSet per GaugeId, in order, registered in `registry`.
    static std::vector<GaugeSet> make_gauges(prometheus::Registry& registry);

    void export_detectors(const Inputs& in, std::map<std::string, WallProvider*>& by_id);

    std::vector<GaugeSet> gauges_;  // indexed by GaugeId
    prometheus::Family<prometheus::Gauge>& error_codes_;
    std::map<std::string, std::map<std::string, prometheus::Gauge*>> codes_by_provider_;
    std::map<std::string, Ring> rings_;
    WallSnapshot snapshot_;
};

}  // namespace noctua::daemon
