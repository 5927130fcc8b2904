#include "noctua/alerts/channel.hpp"

#include <charconv>

#include "noctua/core/log.hpp"

namespace noctua::alerts {
namespace {

/// Registers the family `name` of `Metric`s (prometheus::Counter, Gauge or Histogram) with
/// `help` in `registry`, which owns it.
template <class Metric>
prometheus::Family<Metric>& add_family(prometheus::Registry& registry, const std::string& name,
                                       const std::string& help) {
    return prometheus::detail::Builder<Metric>().Name(name).Help(help).Register(registry);
}

}  // namespace

DeliveryOutcome classify_http_response(const core::HttpResponse& r) {
    if (!r.transport_ok()) {
        return DeliveryOutcome::retry(std::string(core::to_string(r.error)) + ": " +
                                      r.error_message);
    }
    if (r.status >= 200 && r.status < 300) return DeliveryOutcome::delivered();
    const std::string msg = "unexpected status code " + std::to_string(r.status);
    if (r.status == 429 || r.status >= 500) {
        std::optional<core::Duration> after;
        if (auto h = core::find_header(r.headers, "Retry-After")) {
            long long secs = 0;
            auto [ptr, ec] = std::from_chars(h->data(), h->data() + h->size(), secs);
            if (ec == std::errc{} && secs >= 0) after = std::chrono::seconds(secs);
        }
        return DeliveryOutcome::retry(msg, after);
    }
    return DeliveryOutcome::failed(msg);
}

AlertMetrics::AlertMetrics(prometheus::Registry& registry)
    : notifications(add_family<prometheus::Counter>(
          registry, "noctua_notifications_total",
          "Notifications finished, by receiver and result (delivered|failed)")),
      attempts(add_family<prometheus::Counter>(
          registry, "noctua_notification_attempts_total",
          "Delivery attempts by receiver and outcome (delivered|retry|failed)")),
      pending(add_family<prometheus::Gauge>(registry, "noctua_notifications_pending",
                                            "Notifications queued or being retried, by receiver")),
      outbox_pending(add_family<prometheus::Gauge>(
          registry, "noctua_outbox_pending",
          "Notifications in the outbox not yet accepted by their receiver")),
      alerts(add_family<prometheus::Gauge>(
          registry, "noctua_alerts",
          "Alerts by state (pending: condition holding, not yet for long "
          "enough; firing) and severity")),
      firing(add_family<prometheus::Gauge>(registry, "noctua_alerts_firing",
                                           "Alerts currently firing, by alertname and severity")),
      transitions(
          add_family<prometheus::Counter>(registry, "noctua_alert_transitions_total",
                                          "Alert state changes by alertname and new state")),
      latency(add_family<prometheus::Histogram>(
          registry, "noctua_notification_latency_seconds",
          "Time from an alert transition to its notification's delivery, by "
          "receiver (retries included)")),
      dead_letters(add_family<prometheus::Counter>(
          registry, "noctua_notification_dead_letters_total",
          "Notifications that could never be delivered, by receiver")),
      store_errors(
          add_family<prometheus::Counter>(registry, "noctua_alert_store_errors_total",
                                          "Failed writes to the alert store (outbox, records)")
              .Add({})),
      acks(add_family<prometheus::Counter>(registry, "noctua_alert_acks_total",
                                           "Acknowledgements of firing alerts accepted")
               .Add({})),
      escalations(add_family<prometheus::Counter>(
          registry, "noctua_alert_escalations_total",
          "Escalation steps taken: an unacknowledged group told to the step's "
          "receiver, by that receiver")) {}

const prometheus::Histogram::BucketBoundaries& AlertMetrics::latency_buckets() {
    static const prometheus::Histogram::BucketBoundaries kBuckets{
        0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800};
    return kBuckets;
}

ChannelBase::ChannelBase(config::ReceiverConfig config, const core::Clock& clock)
    : config_(std::move(config)), clock_(&clock) {
    if (config_.rate_limit > 0) {
        limiter_ = std::make_shared<RateLimiter>(config_.rate_limit, config_.rate_period);
    }
}

void ChannelBase::deliver(const Notification& n, int attempt, Done done) {
    auto log = core::logger("alerts");
    if (limiter_) {
        if (auto wait = limiter_->acquire(n.id, clock_->now()); wait > core::Duration::zero()) {
            log->debug("rate limited notification={} receiver={} wait={}", n.id, name(),
                       core::format_duration(wait));
            done(DeliveryOutcome::retry(
                "rate limit: next send in " + core::format_duration(wait), wait));
            return;
        }
    }
    log->debug("delivering notification={} receiver={} kind={} attempt={} status={}", n.id,
               name(), config_.kind, attempt, to_string(n.status()));
    do_deliver(n, [log, id = n.id, receiver = name(), attempt, limiter = limiter_,
                   clock = clock_, done = std::move(done)](DeliveryOutcome outcome) {
        if (limiter && outcome.retry_after) limiter->hold(clock->now() + *outcome.retry_after);
        switch (outcome.kind) {
            case DeliveryOutcome::Kind::delivered:
                log->info("delivered notification={} receiver={} attempt={}", id, receiver,
                          attempt);
                break;
            case DeliveryOutcome::Kind::retry:
                log->warn("delivery failed, will retry notification={} receiver={} attempt={} "
                          "error=\"{}\"",
                          id, receiver, attempt, outcome.message);
                break;
            case DeliveryOutcome::Kind::failed:
                log->error("delivery failed permanently notification={} receiver={} "
                           "attempt={} error=\"{}\"",
                           id, receiver, attempt, outcome.message);
                break;
        }
        done(std::move(outcome));
    });
}

}  // namespace noctua::alerts
