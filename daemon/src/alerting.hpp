#pragma once

// Private to noctua::daemon: the alert side of the daemon.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <prometheus/registry.h>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/engine.hpp"
#include "noctua/alerts/external.hpp"
#include "noctua/alerts/pipeline.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/mail.hpp"
#include "alert_gauges.hpp"

namespace noctua::daemon {

/// What the daemon does with alerts once the rules have decided them: the receivers (built
/// from the receiver kinds), routing, grouping, muting and the durable outbox
/// (alerts::AlertPipeline), the alerts pushed to POST /api/v2/alerts, and the alert metrics
/// (alerts::AlertMetrics, noctua_alerts{state,severity}).
///
/// Executor: the pipeline strand, except open() and restore() (start-up, before it runs).
class Alerting {
public:
    /// The receivers of a configuration, built but not yet in use.
    struct Receivers {
        std::unique_ptr<alerts::ChannelContext> context;
        std::map<std::string, std::shared_ptr<alerts::ChannelBase>> channels;
    };

    /// `mail` sends for email receivers; it and `http` outlive this object.
    Alerting(prometheus::Registry& registry, boost::asio::any_io_executor strand,
             const core::Clock& clock, std::uint64_t seed, const alerts::ChannelRegistry& kinds,
             core::HttpClient& http, core::MailClient& mail);
    Alerting(const Alerting&) = delete;
    Alerting& operator=(const Alerting&) = delete;

    /// Builds the receivers of `next`; changes nothing (the first half of a reload).
    [[nodiscard]] core::Result<Receivers> build(const config::Config& next) const;

    /// Takes `next`'s routing and `receivers` (the second half of a reload).
    void configure(const config::Config& next, Receivers receivers);

    /// Opens the alert store at `path` (blocking; start-up, before the first configure()).
    [[nodiscard]] core::Result<void> open(const std::string& path);

    /// The alerts firing when the store was last written, counted in noctua_alerts_firing.
    [[nodiscard]] core::Result<std::vector<alerts::Alert>> restore();

    /// A rule's alert changed state: counted, logged, then routed.
    void on_transition(const alerts::Alert& alert);

    /// Ends the pushed alerts whose endsAt passed in `engine`, then lets the pipeline's timers
    /// (group waits, repeats, retries) act.
    void tick(alerts::AlertEngine& engine, core::TimePoint now);

    /// Sets noctua_alerts{state,severity}.
    void refresh_gauges(alerts::AlertsView firing,
                        const std::vector<std::unique_ptr<detect::Detector>>& rules) {
        gauges_.refresh(firing, rules);
    }

    [[nodiscard]] alerts::AlertPipeline& pipeline() { return pipeline_; }
    [[nodiscard]] const alerts::AlertPipeline& pipeline() const { return pipeline_; }
    [[nodiscard]] alerts::ExternalAlerts& external() { return external_; }
    [[nodiscard]] std::size_t pending() const { return pipeline_.dispatcher().pending(); }

private:
    /// An alert name's series (its severity's, for the firing gauge), looked up once:
    /// prometheus-cpp's Family::Add builds and hashes a label map on every call.
    struct Series {
        prometheus::Counter* fired = nullptr;     ///< transitions{state="firing"}
        prometheus::Counter* resolved = nullptr;  ///< transitions{state="resolved"}
        prometheus::Gauge* firing = nullptr;      ///< alerts_firing{alertname,severity}
    };
    Series& series(const alerts::Alert& a);

    const alerts::ChannelRegistry& kinds_;
    core::HttpClient& http_;
    const core::Clock& clock_;
    core::MailClient& mail_;
    alerts::AlertMetrics metrics_;
    std::unique_ptr<alerts::ChannelContext> context_;  // the receivers' in use; outlives them
    alerts::AlertPipeline pipeline_;
    alerts::ExternalAlerts external_;  // alerts pushed to POST /api/v2/alerts
    AlertGauges gauges_;
    std::unordered_map<std::string, Series> series_;  ///< by alertname, '\x1f', severity
    std::string series_key_;                           ///< series()'s key, its buffer reused
};

}  // namespace noctua::daemon
