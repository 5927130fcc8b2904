#include "noctua/alerts/pipeline.hpp"

#include <charconv>
#include <unordered_map>

#include <fmt/format.h>

#include "noctua/alerts/codec.hpp"
#include "noctua/core/log.hpp"

namespace noctua::alerts {
namespace {

// Namespaces of the alert store's records.
constexpr const char* kAlertsNs = "alerts";      // firing alerts by fingerprint, read to migrate
constexpr const char* kNotifyLogNs = "nflog";    // NotifyRecord, by Notifier::record_key
constexpr const char* kSilencesNs = "silences";  // silences, by id
constexpr const char* kAlertLogNs = "alert_log";  // the last transition of each alert, by log key

AlertPipeline::LogKey log_key(const Alert& a) {
    return {a.starts_at.time_since_epoch().count(), a.fingerprint()};
}

// The record key of an alert log entry: "<start, hex>/<fingerprint>", which sorts as LogKey.
std::string log_record_key(const AlertPipeline::LogKey& k) {
    return fmt::format("{:016x}/{:016x}", k.first, k.second);
}

}  // namespace

AlertPipeline::AlertPipeline(boost::asio::any_io_executor strand, const core::Clock& clock,
                             AlertMetrics& metrics, std::uint64_t seed)
    : clock_(clock),
      metrics_(metrics),
      seed_(seed),
      dispatcher_(std::move(strand), metrics, seed ^ 0x9e3779b97f4a7c15ULL, &clock) {}

AlertPipeline::~AlertPipeline() = default;

core::Result<void> AlertPipeline::open(const std::string& path) {
    auto s = store::AlertStore::open(path);
    if (!s) return std::unexpected(s.error());
    store_ = std::move(*s);
    dispatcher_.attach_store(*store_);
    return {};
}

core::Result<std::vector<Alert>> AlertPipeline::restore() {
    std::vector<Alert> firing;
    if (!store_) return firing;
    auto log = core::logger("alerts");
    auto records = store_->records(kNotifyLogNs);
    if (!records) return std::unexpected(records.error());
    std::map<std::string, NotifyRecord> told;
    for (const auto& [k, v] : *records) {
        if (auto r = decode_record(v)) told.emplace(k, std::move(*r));
    }
    notifier_.restore(std::move(told));

    auto silences = store_->records(kSilencesNs);
    if (!silences) return std::unexpected(silences.error());
    std::vector<Silence> restored;
    for (const auto& [id, v] : *silences) {
        if (auto s = decode_silence(v)) restored.push_back(std::move(*s));
    }
    notifier_.silences().restore(std::move(restored));

    auto logged = store_->records(kAlertLogNs);
    if (!logged) return std::unexpected(logged.error());
    for (const auto& [key, v] : *logged) {
        auto a = decode_alert(v);
        if (!a) {
            log->warn("unreadable alert log record {} skipped: {}", key, a.error().message);
            continue;
        }
        // Keyed by the alert it holds; a record under any other key is stale: dropped.
        const auto k = log_key(*a);
        if (log_record_key(k) == key) {
            if (a->state == AlertState::resolved) resolved_.insert(k);
            log_.insert_or_assign(k, std::move(*a));
        } else {
            dispatcher_.persist({store::RecordWrite{kAlertLogNs, key, std::nullopt}});
        }
    }
    // Firing alerts recorded by fingerprint outside the log (an older database's layout) move
    // into it.
    auto by_fingerprint = store_->records(kAlertsNs);
    if (!by_fingerprint) return std::unexpected(by_fingerprint.error());
    for (const auto& [fp, v] : *by_fingerprint) {
        std::vector<store::RecordWrite> moved{store::RecordWrite{kAlertsNs, fp, std::nullopt}};
        if (auto a = decode_alert(v); a && a->state == AlertState::firing) {
            const auto k = log_key(*a);
            resolved_.erase(k);
            moved.push_back(store::RecordWrite{kAlertLogNs, log_record_key(k), encode(*a)});
            log_.insert_or_assign(k, std::move(*a));
        } else if (!a) {
            log->warn("unreadable alert record {} skipped: {}", fp, a.error().message);
        }
        dispatcher_.persist(std::move(moved));
    }

    // The firing alerts are the log's firing entries (the latest start of a fingerprint).
    std::unordered_map<std::uint64_t, const Alert*> latest;
    for (const auto& [k, a] : log_) {
        if (a.state == AlertState::firing) latest.insert_or_assign(k.second, &a);
    }
    for (const auto& [k, a] : log_) {
        if (a.state != AlertState::firing || latest.at(k.second) != &a) continue;
        notifier_.update(a, clock_.now());
        firing.push_back(a);
    }
    auto outbox = dispatcher_.restore();
    if (!outbox) return std::unexpected(outbox.error());
    if (!firing.empty() || *outbox > 0) {
        log->info("alert state restored: {} firing, {} notification(s) to deliver", firing.size(),
                  *outbox);
    }
    return firing;
}

void AlertPipeline::configure(const config::Config& config,
                              std::map<std::string, std::shared_ptr<ChannelBase>> channels) {
    notifier_.configure(config);
    dispatcher_.set_channels(std::move(channels));
    flush();
}

void AlertPipeline::on_transition(const Alert& alert) {
    log_transition(alert);
    notifier_.update(alert, clock_.now());
    flush();
}

void AlertPipeline::log_transition(const Alert& alert) {
    const auto key = log_key(alert);
    std::vector<store::RecordWrite> records{
        store::RecordWrite{kAlertLogNs, log_record_key(key), encode(alert)}};
    log_.insert_or_assign(key, alert);
    if (alert.state == AlertState::resolved) {
        resolved_.insert(key);
    } else {
        resolved_.erase(key);
    }
    auto forget = [&](std::set<LogKey>::iterator it) {
        records.push_back(store::RecordWrite{kAlertLogNs, log_record_key(*it), std::nullopt});
        log_.erase(*it);
        return resolved_.erase(it);
    };
    while (resolved_.size() > kAlertLogMax) forget(resolved_.begin());
    // A scan for what is past keeping, at most once a minute: a storm of transitions does not
    // walk the whole log each time.
    const auto now = clock_.now();
    if (now - log_pruned_ >= std::chrono::minutes(1)) {
        log_pruned_ = now;
        for (auto it = resolved_.begin(); it != resolved_.end();) {
            auto entry = log_.find(*it);
            if (entry == log_.end() || entry->second.ends_at < now - kAlertLogKeep) {
                it = forget(it);
            } else {
                ++it;
            }
        }
    }
    dispatcher_.persist(std::move(records));
}

std::vector<Alert> AlertPipeline::history(core::TimePoint since) const {
    std::vector<Alert> out;
    for (const auto& [key, a] : log_) {
        if (a.state == AlertState::firing || a.ends_at >= since) out.push_back(a);
    }
    return out;
}

void AlertPipeline::send(Notification n) {
    n.id = next_notification_id_++;
    dispatcher_.enqueue(std::move(n));
}

void AlertPipeline::tick() { flush(); }

void AlertPipeline::flush() {
    const auto now = clock_.now();
    auto due = notifier_.next_due();
    if (!due || *due > now) return;
    for (auto& d : notifier_.flush_due(now, next_notification_id_)) {
        for (const auto& receiver : d.escalated) {
            metrics_.escalations.Add({{"receiver", receiver}}).Increment();
        }
        std::vector<store::RecordWrite> records{
            store::RecordWrite{kNotifyLogNs, d.record_key,
                               d.record ? std::optional(encode(*d.record)) : std::nullopt}};
        if (!d.notifications.empty()) {
            dispatcher_.enqueue(std::move(d.notifications), std::move(records));
        } else {
            dispatcher_.persist(std::move(records));
        }
    }
}

core::Result<Silence> AlertPipeline::add_silence(Silence s) {
    // Ids differ across instances (seed) and restarts (time).
    const auto now = clock_.now();
    const auto id_seed =
        seed_ ^ (static_cast<std::uint64_t>(now.time_since_epoch().count()) * 0x100000001b3ULL) ^
        next_notification_id_++;
    auto added = notifier_.silences().add(std::move(s), now, id_seed);
    if (added) dispatcher_.persist({store::RecordWrite{kSilencesNs, added->id, encode(*added)}});
    return added;
}

core::Result<Silence> AlertPipeline::expire_silence(std::string_view id) {
    auto expired = notifier_.silences().expire(id, clock_.now());
    if (expired) {
        dispatcher_.persist({store::RecordWrite{kSilencesNs, expired->id, encode(*expired)}});
    }
    return expired;
}

}  // namespace noctua::alerts

namespace noctua::alerts {

core::Result<Alert> AlertPipeline::acknowledge(std::string_view fingerprint_hex, std::string by,
                                               std::string comment) {
    std::uint64_t fp = 0;
    const auto* end = fingerprint_hex.data() + fingerprint_hex.size();
    auto [ptr, ec] = std::from_chars(fingerprint_hex.data(), end, fp, 16);
    if (fingerprint_hex.empty() || fingerprint_hex.size() > 16 || ec != std::errc{} ||
        ptr != end) {
        return core::fail(core::Errc::invalid_argument,
                          "a fingerprint is 16 hex digits, as GET /api/v1/alerts lists it");
    }
    const auto now = clock_.now();
    auto acked = notifier_.acknowledge(fp, Ack{std::move(by), std::move(comment), now}, now);
    if (!acked) return acked;
    metrics_.acks.Increment();
    log_transition(*acked);
    core::logger("alerts")->info("alert acknowledged alertname={} labels={} by=\"{}\"",
                                 acked->alertname(), acked->labels.to_string(), acked->ack->by);
    flush();
    return acked;
}

}  // namespace noctua::alerts
