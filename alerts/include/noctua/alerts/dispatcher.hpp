#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "noctua/alerts/channel.hpp"
#include "noctua/alerts/notification.hpp"
#include "noctua/store/alert_store.hpp"

namespace noctua::alerts {

/// Delivers notifications to channels: one FIFO per (receiver, group key), so a resolve never
/// overtakes its trigger; retries with exponential backoff and jitter on retryable outcomes,
/// honouring the service's hint; gives up on final outcomes or after max_attempts, with a
/// log line and a metric (and, with a store, a dead letter).
///
/// With a store attached the queue is the durable outbox: a notification is written (fsynced)
/// before its first attempt, removed once delivered, and what was pending when the process
/// stopped, however it stopped, is sent after restore(). Store calls run on the dispatcher's
/// own store thread, never on the strand, as group commits: everything queued while one commit
/// runs (and everything queued in one strand turn) goes to disk in the next single transaction.
///
/// At most kMaxInFlight attempts per receiver run at once; other groups wait their turn in
/// the order they became ready.
///
/// Executor: the strand given at construction; every public method must be called on it.
class Dispatcher {
public:
    /// Delivery attempts one receiver may have in flight at once.
    static constexpr std::size_t kMaxInFlight = 64;

    /// `clock` (optional) times delivery latency and retry schedules.
    Dispatcher(boost::asio::any_io_executor strand, AlertMetrics& metrics, std::uint64_t seed,
               const core::Clock* clock = nullptr);
    ~Dispatcher();
    Dispatcher(const Dispatcher&) = delete;
    Dispatcher& operator=(const Dispatcher&) = delete;

    /// Replaces the set of channels (start-up and reload). Queued notifications for receivers
    /// that still exist go to the new channel; those of removed receivers are dropped (logged
    /// and counted as failed).
    void set_channels(std::map<std::string, std::shared_ptr<ChannelBase>> channels);

    /// Makes the queue durable in `store` (which must outlive the dispatcher). Call before
    /// restore() and enqueue().
    void attach_store(store::AlertStore& store);

    /// Queues what the outbox held when the process last stopped (blocking read: start-up
    /// only). Returns how many notifications were restored.
    [[nodiscard]] core::Result<std::size_t> restore();

    /// Queues `n` for delivery to `n.receiver`, writing it and `records` to the outbox in one
    /// transaction first when a store is attached. Resolved notifications are skipped when the
    /// receiver has send_resolved = false, and acknowledged ones when its kind does not
    /// understand acknowledgements (the records are still written).
    void enqueue(Notification n, std::vector<store::RecordWrite> records = {});
    /// As above for several notifications (one group told to several receivers), all written
    /// in one transaction.
    void enqueue(std::vector<Notification> ns, std::vector<store::RecordWrite> records);

    /// Writes `records` alone (in order with enqueued notifications).
    void persist(std::vector<store::RecordWrite> records);

    /// Runs `done` on the strand once every store write queued so far has finished.
    void after_writes(std::function<void()> done);

    /// Runs `done` on the strand once at most `backlog` groups wait for an attempt slot, or once
    /// `max_wait` has passed, whichever comes first: backpressure for a sender that hands in
    /// alerts faster than the receivers take their notifications, so that what is queued is
    /// sent soon rather than late. Retries waiting for their backoff (a receiver that is down
    /// or rate-limited) do not count, and `max_wait` bounds the hold whatever the receivers do.
    void when_backlog_at_most(std::size_t backlog, core::Duration max_wait,
                              std::function<void()> done);

    /// Groups waiting for an attempt slot of their receiver.
    [[nodiscard]] std::size_t backlog() const { return backlog_; }

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
        std::int64_t outbox_id = 0;  // 0: not stored
    };
    struct Queue {
        std::string receiver;
        std::deque<Item> items;
        bool in_flight = false;
        bool waiting = false;  // in its receiver's line for an attempt slot
        std::unique_ptr<boost::asio::steady_timer> backoff;  // set while waiting to retry
    };
    using QueueKey = std::pair<std::string, std::string>;  // receiver, group key
    // Hashed rather than ordered: a group key holds every grouping label, and a storm makes
    // thousands of queues, each found a few times per delivery.
    struct QueueKeyHash {
        std::size_t operator()(const QueueKey& k) const noexcept {
            const std::hash<std::string_view> h;
            return h(k.first) * 0x9e3779b97f4a7c15ULL ^ h(k.second);
        }
    };
    struct ReceiverState {
        std::size_t pending = 0;    // queued notifications, for the pending gauge
        std::size_t in_flight = 0;  // attempts running
        std::deque<QueueKey> line;  // queues ready to attempt once a slot frees
        // The receiver's series, looked up once: Family::Add builds and hashes a label map.
        prometheus::Counter* delivered = nullptr;  // notifications{result=delivered}
        prometheus::Counter* failed = nullptr;     // notifications{result=failed}
        prometheus::Counter* attempt_delivered = nullptr;
        prometheus::Counter* attempt_retry = nullptr;
        prometheus::Counter* attempt_failed = nullptr;
        prometheus::Counter* dead_letters = nullptr;
        prometheus::Gauge* pending_gauge = nullptr;
        prometheus::Gauge* outbox_pending = nullptr;
        prometheus::Histogram* latency = nullptr;
    };
    // Group commit: what the strand queued for the next store transaction, and what to do on
    // the strand once it is on disk.
    struct Completion {
        enum class Kind { enqueued, persisted, callback };
        Kind kind = Kind::persisted;
        Notification notification;   // enqueued: pushed once written
        std::size_t item = 0;        // enqueued: its index in the batch's items
        std::function<void()> done;  // callback
    };
    struct PendingWrite {
        store::AlertBatch batch;
        std::vector<Completion> completions;
    };
    // A caller of when_backlog_at_most() not yet released.
    struct BacklogWaiter {
        std::size_t backlog = 0;
        std::unique_ptr<boost::asio::steady_timer> deadline;
        std::function<void()> done;
    };

    void push(Item item);
    void on_store_error(std::string_view what, const core::Error& e);
    void pump(const QueueKey& key);
    void on_outcome(const QueueKey& key, DeliveryOutcome outcome);
    void handle_outcome(const QueueKey& key, Queue& q, DeliveryOutcome outcome);
    void finish_head(const QueueKey& key, Queue& q, bool delivered, std::string_view reason);
    core::Duration backoff_for(const config::ReceiverConfig& rc, int attempts,
                               std::optional<core::Duration> hint);
    void count_pending(const std::string& receiver, std::ptrdiff_t delta);
    /// The receiver's state, its metric series bound on first use.
    ReceiverState& receiver_state(const std::string& receiver);
    void wake(const std::string& receiver);
    void check_drained();
    /// Sets a queue's place in its receiver's line for a slot, keeping backlog_ in step.
    void set_waiting(Queue& q, bool waiting);
    void release_backlog_waiters();
    void queue_write();
    void start_write();
    void on_written(std::vector<Completion> completions,
                    core::Result<std::vector<std::int64_t>> ids);

    boost::asio::any_io_executor strand_;
    AlertMetrics& metrics_;
    std::mt19937_64 rng_;
    std::map<std::string, std::shared_ptr<ChannelBase>> channels_;
    std::unordered_map<QueueKey, Queue, QueueKeyHash> queues_;
    std::map<std::string, ReceiverState, std::less<>> receivers_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool draining_ = false;
    std::function<void(std::size_t)> drain_done_;
    std::unique_ptr<boost::asio::steady_timer> drain_timer_;
    const core::Clock* clock_;
    store::AlertStore* store_ = nullptr;
    std::unique_ptr<boost::asio::thread_pool> store_thread_;  // one thread: writes stay in order
    std::size_t writes_in_flight_ = 0;                        // every store write not yet finished
    std::size_t enqueues_in_flight_ = 0;  // notifications being written to the outbox
    PendingWrite next_write_;             // the next group commit
    bool write_running_ = false;          // a commit is on the store thread
    bool write_posted_ = false;           // start_write() is posted to the strand
    std::size_t backlog_ = 0;             // queues with waiting set
    std::uint64_t next_waiter_ = 0;
    std::map<std::uint64_t, BacklogWaiter> backlog_waiters_;  // by arrival
};

}  // namespace noctua::alerts
