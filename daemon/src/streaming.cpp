#include "streaming.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>

#include "noctua/core/log.hpp"
#include "report_facts.hpp"

namespace noctua::daemon {

namespace asio = boost::asio;

Streaming::Streaming(prometheus::Registry& registry, Strand strand, const core::Clock& clock,
                     const streams::SourceRegistry& kinds, const config::Config& applied,
                     RuleEvaluator& evaluator, const std::atomic<bool>& stopping)
    : strand_(strand),
      clock_(clock),
      kinds_(kinds),
      cfg_(applied),
      evaluator_(evaluator),
      stopping_(stopping),
      metrics_(registry),
      registry_(registry),
      snapshot_timer_(strand) {}

core::Result<void> Streaming::start(OnSamples on_samples) {
    if (cfg_.streams.empty()) return {};
    // Windows holding series emit a batch at least every bucket, or after a pause of
    // allowed_lateness (a paused backfill); longer silence means they emit nothing.
    stream_clock_.emplace(cfg_.windows.allowed_lateness,
                          cfg_.windows.allowed_lateness + 2 * cfg_.windows.bucket, clock_.now());
    on_samples_ = std::move(on_samples);
    ingest_ = std::make_unique<streams::IngestPipeline>(
        cfg_.windows, clock_, &metrics_, [this](std::vector<core::Sample>&& samples) {
            asio::post(strand_, [this, samples = std::move(samples)]() mutable {
                on_samples_(std::move(samples));
            });
        });
    if (!cfg_.storage.path.empty()) {
        // Opened and restored before the ingest thread starts (blocking, at startup).
        auto opened = store::Store::open(cfg_.storage.path);
        if (!opened) return std::unexpected(opened.error());
        state_ = std::move(*opened);
        checkpoint_ = std::make_unique<streams::Checkpointer>(*state_, *ingest_, &metrics_);
        if (auto r = checkpoint_->restore(); !r) {
            core::logger("streams")->warn("window snapshot in {} not restored, starting empty: {}",
                                          cfg_.storage.path, r.error().message);
        } else if (*r) {
            core::logger("streams")->info("windows restored from {}", cfg_.storage.path);
        }
    }
    const bool has_push = std::any_of(cfg_.streams.begin(), cfg_.streams.end(),
                                      [](const auto& sc) { return sc.kind == "http"; });
    if (checkpoint_ && has_push) {
        auto opened = streams::IngestLog::open(cfg_.storage.path + ".ingest", &metrics_);
        if (!opened) return std::unexpected(opened.error());
        ingest_log_ = std::move(*opened);
        checkpoint_->attach_log(*ingest_log_);
    }
    // Of several instances in one consumer group, each judges only the providers whose
    // partitions it reads (docs/operations.md, "Scale out").
    if (needs_stream_gate(cfg_)) {
        gate_ = std::make_unique<StreamShardGate>(cfg_.windows, registry_);
        evaluator_.track_stream_series(true);
    }
    streams::SourceContext ctx{*ingest_, metrics_, clock_, checkpoint_.get(), ingest_log_.get(),
                               gate_ ? &gate_->ownership() : nullptr};
    for (const auto& sc : cfg_.streams) {
        auto made = kinds_.create(sc, ctx);
        if (!made) return std::unexpected(made.error());
        if (auto* p = (*made)->push()) push_ = p;
        sources_.push_back(std::move(*made));
    }
    if (push_) {
        // Before the ingest thread starts: the replay applies on this thread.
        if (auto r = push_->recover(checkpoint_ ? checkpoint_->snapshot_seq() : 0); !r) {
            return std::unexpected(r.error());
        }
    }
    ingest_->start();
    for (auto& source : sources_) source->start();
    if (checkpoint_) schedule_snapshot();
    return {};
}

void Streaming::schedule_snapshot() {
    snapshot_timer_.expires_after(cfg_.windows.snapshot_interval);
    snapshot_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        ingest_->post([this] { (void)checkpoint_->save(); });
        schedule_snapshot();
    });
}

void Streaming::stop_accepting() {
    if (push_) push_->stop();
}

void Streaming::stop() {
    // Each applies what it read first (Kafka commits: see KafkaSource).
    for (auto& source : sources_) source->stop();
    if (!ingest_ || ingest_->stopped()) return;
    ingest_->stop();
    if (checkpoint_) (void)checkpoint_->save();  // the ingest thread is joined: exclusive
    if (ingest_log_) ingest_log_->stop();         // answers what it holds, then trims
}

void Streaming::ingest_events(const core::ServerRequest& request, net::Router::Respond respond) {
    if (!push_) {
        respond(core::ServerResponse::json_error(404, "no stream of kind \"http\" is configured"));
        return;
    }
    push_->handle(request, std::move(respond));
}

void Streaming::admit(std::vector<core::Sample>& samples, core::TimePoint now) {
    if (!samples.empty()) {
        const auto newest = std::max_element(
            samples.begin(), samples.end(),
            [](const core::Sample& a, const core::Sample& b) { return a.time < b.time; });
        stream_clock_->on_samples(newest->time, now);
    }
    if (gate_) {
        gate_->release(evaluator_, now);
        gate_->filter(samples);
    }
}

std::optional<core::TimePoint> Streaming::rule_time(core::TimePoint now) const {
    return stream_clock_ ? stream_clock_->now(now) : std::optional<core::TimePoint>(now);
}

void Streaming::release_moved(core::TimePoint now) {
    if (gate_) gate_->release(evaluator_, now);
}

void Streaming::add_stream_facts(probes::StatusReport report, core::TimePoint now,
                                 std::function<void(probes::StatusReport)> next) {
    const auto set = provider_set(cfg_.windows);
    if (!ingest_ || ingest_->stopped() || set.empty()) {
        next(std::move(report));
        return;
    }
    ingest_->post([this, report = std::move(report), next = std::move(next), set,
                   width = cfg_.windows.history_bucket, now]() mutable {
        for (auto& [provider, f] : report.facts) {
            f.stream = stream_facts(ingest_->windows(), set, provider, width, now);
        }
        asio::post(strand_, [report = std::move(report), next = std::move(next)]() mutable {
            next(std::move(report));
        });
    });
}

}  // namespace noctua::daemon
