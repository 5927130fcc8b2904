#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/dispatcher.hpp"
#include "noctua/alerts/notifier.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/store/alert_store.hpp"

namespace noctua::alerts {

/// The delivery half of alerting, composed: alert transitions go through the Notifier
/// (routing, grouping, silences, inhibition, time intervals) into the Dispatcher's durable
/// outbox. Owns the alert store: firing alerts, what each receiver was told, silences and the
/// outbox survive a restart or a `kill -9`, so nothing delivered is sent again as new and
/// nothing owed is lost.
///
/// Executor: the strand given at construction; every public method must be called on it
/// (open() and restore() excepted: start-up, before the strand runs).
class AlertPipeline {
public:
    AlertPipeline(boost::asio::any_io_executor strand, const core::Clock& clock,
                  AlertMetrics& metrics, std::uint64_t seed);
    ~AlertPipeline();
    AlertPipeline(const AlertPipeline&) = delete;
    AlertPipeline& operator=(const AlertPipeline&) = delete;

    /// Opens the alert store in the database file at `path` (blocking; start-up only).
    [[nodiscard]] core::Result<void> open(const std::string& path);

    /// Reads back silences, what receivers were told and the outbox, and returns the alerts
    /// that were firing, for the engine to hold again (blocking; start-up only, after the first
    /// configure()).
    [[nodiscard]] core::Result<std::vector<Alert>> restore();

    /// Routes, inhibition rules, time intervals and receivers from `config` (start-up, reload).
    void configure(const config::Config& config,
                   std::map<std::string, std::shared_ptr<ChannelBase>> channels);

    /// An alert changed state (from the engine): persisted, grouped, and flushed if due.
    void on_transition(const Alert& alert);

    /// Queues a notification no alert routing produced (a status report's summary) for its
    /// receiver in the durable outbox, numbered like routed ones; delivered, retried and
    /// dead-lettered as they are.
    void send(Notification n);

    /// Flushes the groups that are due now; call on every rule tick.
    void tick();

    /// Silences: validated, applied at the next flush, persisted.
    [[nodiscard]] core::Result<Silence> add_silence(Silence s);
    [[nodiscard]] core::Result<Silence> expire_silence(std::string_view id);

    /// Acknowledges the firing alert whose fingerprint is `fingerprint_hex` (16 hex digits):
    /// persisted with the alert, so it survives a restart; its group stops escalating and
    /// reminding once all of it is acknowledged, and says so to receivers that understand acks.
    /// Errors: Errc::not_found (no such firing alert), Errc::invalid_argument (not a
    /// fingerprint).
    [[nodiscard]] core::Result<Alert> acknowledge(std::string_view fingerprint_hex,
                                                  std::string by, std::string comment);

    /// The alert log: every alert that was firing at some time in [since, now], with the
    /// state of its last transition (resolved ones carry ends_at), oldest start first.
    /// Resolved alerts are kept for kAlertLogKeep (at most kAlertLogMax of them), firing ones
    /// while they fire, in the store when one is open, so a restart keeps the day's history.
    /// A firing alert's log entry is its one durable record: what restore() reads back.
    [[nodiscard]] std::vector<Alert> history(core::TimePoint since) const;
    static constexpr core::Duration kAlertLogKeep = std::chrono::hours(48);
    static constexpr std::size_t kAlertLogMax = 10000;

    /// An alert log entry's key: (starts_at since the epoch, fingerprint).
    using LogKey = std::pair<core::TimePoint::rep, std::uint64_t>;

    [[nodiscard]] Notifier& notifier() { return notifier_; }
    [[nodiscard]] Dispatcher& dispatcher() { return dispatcher_; }
    [[nodiscard]] const Dispatcher& dispatcher() const { return dispatcher_; }

private:
    void flush();

    const core::Clock& clock_;
    AlertMetrics& metrics_;
    std::uint64_t seed_;
    std::unique_ptr<store::AlertStore> store_;
    Notifier notifier_;
    Dispatcher dispatcher_;
    std::uint64_t next_notification_id_ = 1;
    /// Writes `alert` as its log entry (and drops what the log keeps no longer).
    void log_transition(const Alert& alert);

    /// The alert log by (start, fingerprint): ordered by start. Its store records are keyed in
    /// the same order, so a storm of new alerts appends to one end of the store's index.
    std::map<LogKey, Alert> log_;
    /// The keys of the resolved entries of log_: the ones kAlertLogMax and kAlertLogKeep bound.
    std::set<LogKey> resolved_;
    core::TimePoint log_pruned_{};  ///< when log_ was last scanned for what is past keeping
};

}  // namespace noctua::alerts
