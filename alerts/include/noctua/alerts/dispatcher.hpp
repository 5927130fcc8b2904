#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/notification.hpp"

namespace noctua::alerts {

/// Delivers notifications to channels: one FIFO per (receiver, alert), so a resolve never
/// overtakes its trigger; retries with exponential backoff and jitter on retryable outcomes,
/// honouring the service's hint; gives up on final outcomes or after max_attempts, with a
/// log line and a metric. Notifications are kept in memory (the durable outbox replaces this).
///
/// Executor: the strand given at construction; every public method must be called on it.
class Dispatcher {
public:
    Dispatcher(boost::asio::any_io_executor strand, AlertMetrics& metrics, std::uint64_t seed);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Replaces the set of channels (start-up and reload). Queued notifications for receivers
    /// that still exist go to the new channel; those of removed receivers are dropped (logged
    /// and counted as failed).
    void set_channels(std::map<std::string, std::shared_ptr<ChannelBase>> channels);

    /// Queues `n` for delivery to `n.receiver`. Resolved notifications are skipped when the
    /// receiver has send_resolved = false.
    void enqueue(Notification n);

    /// Shutdown: retries waiting for their backoff are attempted at once, and `done` runs when
    /// nothing is pending or when `deadline` has passed (with the number left undelivered).
    void drain(core::Duration deadline, std::function<void(std::size_t left)> done);

    /// Stops timers; nothing more is attempted. Pending handlers become no-ops.
    void stop();

    [[nodiscard]] std::size_t pending() const;

private:
    struct Item {
        Notification notification;
        int attempts = 0;
        std::chrono::steady_clock::time_point queued = std::chrono::steady_clock::now();
    };
    struct Queue {
        std::string receiver;
        std::deque<Item> items;
        bool in_flight = false;
        std::unique_ptr<boost::asio::steady_timer> backoff;  // set while waiting to retry
    };
    using QueueKey = std::pair<std::string, std::uint64_t>;  // receiver, alert fingerprint

    void pump(const QueueKey& key);
    void on_outcome(const QueueKey& key, DeliveryOutcome outcome);
    void finish_head(const QueueKey& key, Queue& q, bool delivered);
    core::Duration backoff_for(const config::ReceiverConfig& rc, int attempts,
                               std::optional<core::Duration> hint);
    void update_pending_metric(const std::string& receiver);
    void check_drained();

    boost::asio::any_io_executor strand_;
    AlertMetrics& metrics_;
    std::mt19937_64 rng_;
    std::map<std::string, std::shared_ptr<ChannelBase>> channels_;
    std::map<QueueKey, Queue> queues_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool draining_ = false;
    std::function<void(std::size_t)> drain_done_;
    std::unique_ptr<boost::asio::steady_timer> drain_timer_;
};

}  // namespace noctua::alerts
