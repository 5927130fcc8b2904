#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/result.hpp"

namespace noctua::store {

/// One notification waiting for its receiver: written before it is sent, deleted once
/// delivered, moved to the dead letters when it can never be delivered.
struct OutboxItem {
    std::int64_t id = 0;  ///< assigned by write(); increasing, so it orders a group
    std::string receiver;
    std::string group_key;  ///< delivery is ordered per (receiver, group_key)
    std::string payload;    ///< the notification, serialized by its owner
    core::TimePoint created{};
    core::TimePoint next_attempt{};
    int attempts = 0;
};

/// A keyed record to write or (with no value) erase, in a namespace: alert state, what each
/// receiver was told about each group, silences, acknowledgements.
struct RecordWrite {
    std::string ns;
    std::string key;
    std::optional<std::string> value;
};

/// Everything one commit applies, in one transaction (a group commit: one fsync for all of it).
struct AlertBatch {
    std::vector<OutboxItem> items;        ///< appended to the outbox; their ids are returned
    std::vector<RecordWrite> records;     ///< applied in order (the last write of a key wins)
    std::vector<std::int64_t> delivered;  ///< removed from the outbox
    struct Reschedule {
        std::int64_t id = 0;
        int attempts = 0;
        core::TimePoint next_attempt{};
    };
    std::vector<Reschedule> reschedules;
    struct DeadLetter {
        std::int64_t id = 0;
        std::string reason;
        core::TimePoint at{};
    };
    std::vector<DeadLetter> dead_letters;  ///< moved from the outbox to the dead letters

    [[nodiscard]] bool empty() const {
        return items.empty() && records.empty() && delivered.empty() && reschedules.empty() &&
               dead_letters.empty();
    }
};

/// The alerting state in SQLite (WAL mode, its own connection to the daemon's database file):
/// the notification outbox, its dead letters, and namespaced records. With `full_sync` every
/// commit that adds or changes state (outbox items, records, dead letters) is fsynced before it
/// returns, so what write() accepted survives a power cut, not only a crash. A commit that only
/// removes delivered items or reschedules retries is not fsynced: it survives a crash of the
/// process, and is made durable by the next fsynced commit; a power cut before that sends a
/// delivered notification again, never loses one.
///
/// Every call blocks on disk I/O: call it from the alert pipeline's store thread, never from an
/// io_context thread. Thread-safety: all methods may be called from any thread (an internal
/// leaf mutex guards the connection).
class AlertStore {
public:
    /// Opens (creating if needed) and migrates. Errors: Errc::io; Errc::invalid_argument for a
    /// schema newer than this build's.
    [[nodiscard]] static core::Result<std::unique_ptr<AlertStore>> open(const std::string& path,
                                                                        bool full_sync = true);
    ~AlertStore();
    AlertStore(const AlertStore&) = delete;
    AlertStore& operator=(const AlertStore&) = delete;

    /// Appends `items` to the outbox and applies `records`, in one transaction; returns the
    /// items' ids in order.
    [[nodiscard]] core::Result<std::vector<std::int64_t>> write(
        const std::vector<OutboxItem>& items, const std::vector<RecordWrite>& records);
    /// Applies `batch` in one transaction: new items, records, deliveries, reschedules and dead
    /// letters, all or nothing; returns the new items' ids in order.
    [[nodiscard]] core::Result<std::vector<std::int64_t>> apply(const AlertBatch& batch);
    /// Transactions committed by write() and apply() since open (group commits are counted
    /// once).
    [[nodiscard]] std::uint64_t commits() const;
    /// The commits among those that were fsynced before they returned (with `full_sync`).
    [[nodiscard]] std::uint64_t synced_commits() const;
    /// Every undelivered item, by id.
    [[nodiscard]] core::Result<std::vector<OutboxItem>> pending();
    [[nodiscard]] core::Result<void> delivered(std::int64_t id);
    [[nodiscard]] core::Result<void> reschedule(std::int64_t id, int attempts,
                                                core::TimePoint next_attempt);
    [[nodiscard]] core::Result<void> dead_letter(std::int64_t id, std::string_view reason,
                                                 core::TimePoint at);
    [[nodiscard]] core::Result<std::int64_t> dead_letter_count();
    /// Every record of namespace `ns`, by key.
    [[nodiscard]] core::Result<std::map<std::string, std::string>> records(std::string_view ns);

private:
    struct Impl;
    explicit AlertStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace noctua::store
