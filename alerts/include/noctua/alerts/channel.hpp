#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "noctua/alerts/notification.hpp"
#include "noctua/alerts/rate_limiter.hpp"
#include "noctua/config/config.hpp"
#include "noctua/config/kind_registry.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/http.hpp"
#include "noctua/core/mail.hpp"
#include "noctua/core/result.hpp"

namespace noctua::config {
class Section;
}  // namespace noctua::config

namespace noctua::alerts {

/// The result of one delivery attempt.
struct DeliveryOutcome {
    enum class Kind { delivered, retry, failed };
    Kind kind = Kind::delivered;
    std::optional<core::Duration> retry_after;  ///< the service's own hint, if any
    std::string message;

    [[nodiscard]] static DeliveryOutcome delivered() { return {}; }
    [[nodiscard]] static DeliveryOutcome retry(std::string msg,
                                               std::optional<core::Duration> after = {}) {
        return {Kind::retry, after, std::move(msg)};
    }
    [[nodiscard]] static DeliveryOutcome failed(std::string msg) {
        return {Kind::failed, std::nullopt, std::move(msg)};
    }
};

/// The generic HTTP receiver contract: 2xx delivered; transport
/// errors, 429 and 5xx retried (honouring Retry-After in seconds); other statuses final.
[[nodiscard]] DeliveryOutcome classify_http_response(const core::HttpResponse& response);

/// The alerting library's metrics, declared in one place (docs/contributing.md, "Logging and
/// metrics").
struct AlertMetrics {
    explicit AlertMetrics(prometheus::Registry& registry);
    prometheus::Family<prometheus::Counter>& notifications;  ///< {receiver,result}
    prometheus::Family<prometheus::Counter>& attempts;       ///< {receiver,outcome}
    prometheus::Family<prometheus::Gauge>& pending;          ///< {receiver}
    /// The same backlog under the outbox's name: written, not yet accepted.
    prometheus::Family<prometheus::Gauge>& outbox_pending;   ///< {receiver}
    /// Pending (condition holding, not yet for long enough) and firing alerts.
    prometheus::Family<prometheus::Gauge>& alerts;           ///< {state,severity}
    prometheus::Family<prometheus::Gauge>& firing;           ///< {alertname,severity}
    prometheus::Family<prometheus::Counter>& transitions;    ///< {alertname,state}
    /// From enqueue (the alert transition) to delivery, retries included.
    prometheus::Family<prometheus::Histogram>& latency;      ///< {receiver}
    /// The buckets of `latency`, in seconds: 10 ms to 30 min.
    static const prometheus::Histogram::BucketBoundaries& latency_buckets();
    prometheus::Family<prometheus::Counter>& dead_letters;   ///< {receiver}
    prometheus::Counter& store_errors;
    /// Acknowledgements accepted (POST /api/v1/alerts/{fingerprint}/ack, `noctua ack`).
    prometheus::Counter& acks;
    /// Escalation steps taken: a group told to a step's receiver.
    prometheus::Family<prometheus::Counter>& escalations;  ///< {receiver}
};

/// What a channel may use, and nothing else (docs/architecture.md, "Kinds and registries").
struct ChannelContext {
    core::HttpClient& http;
    const core::Clock& clock;
    std::string external_url;
    core::MailClient* mail = nullptr;  ///< email receivers; none: they cannot be created
};

/// A receiver kind's sender. Non-virtual interface: deliver() logs the attempt and its outcome
/// and calls the kind's do_deliver(); retries, ordering and metrics belong to the Dispatcher.
///
/// Thread-safety: deliver() is called from the dispatcher's strand; `done` may run on any
/// io_context thread, exactly once.
class ChannelBase {
public:
    using Done = std::function<void(DeliveryOutcome)>;

    explicit ChannelBase(config::ReceiverConfig config) : config_(std::move(config)) {}
    /// With a clock, sends keep to the config's rate limit (rate_limit per rate_period, when
    /// rate_limit > 0): a send over it is not made but answered `retry` with the wait as its
    /// hint, and a service's own retry hint holds every later send of this channel until then.
    ChannelBase(config::ReceiverConfig config, const core::Clock& clock);
    virtual ~ChannelBase() = default;
    ChannelBase(const ChannelBase&) = delete;
    ChannelBase& operator=(const ChannelBase&) = delete;

    [[nodiscard]] const config::ReceiverConfig& config() const { return config_; }
    [[nodiscard]] const std::string& name() const { return config_.name; }

    /// One delivery attempt of `n`; `done` runs exactly once.
    void deliver(const Notification& n, int attempt, Done done);

    /// Whether the kind does something with acknowledged notifications (acknowledges the
    /// incident, writes a line); the dispatcher does not send them to other kinds.
    [[nodiscard]] virtual bool accepts_acks() const { return false; }

protected:
    virtual void do_deliver(const Notification& n, Done done) = 0;

private:
    config::ReceiverConfig config_;
    const core::Clock* clock_ = nullptr;
    std::shared_ptr<RateLimiter> limiter_;  // shared with completions that outlive an attempt
};

/// One receiver kind (config::KindFactory): parse() reads its own keys of a `[[receivers]]`
/// entry (config::ReceiverParser) into the options struct declared beside the kind and checks
/// every key of the entry; create() makes its channels. Receiver kinds have no keys(): each
/// parser checks the whole entry.
using ChannelFactory = config::KindFactory<config::ReceiverParser, ChannelBase,
                                           const config::ReceiverConfig&, ChannelContext&>;

/// Receiver kinds by name (config::KindRegistry): filled at start-up by
/// register_builtin_channels(), then frozen and read-only.
using ChannelRegistry = config::KindRegistry<ChannelFactory, config::kReceiverKinds,
                                             &config::KindParsers::add_receiver>;

/// Registers every built-in receiver kind: each of config::kReceiverKinds.
void register_builtin_channels(ChannelRegistry& registry);

}  // namespace noctua::alerts
