#pragma once

#include <algorithm>
#include <array>
#include <optional>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/detect/detector.hpp"

namespace noctua::daemon {

/// The measures stream windows feed to the rules: exactly those to_detector_sample()
/// (stream_samples.hpp) produces.
inline constexpr std::array kStreamMeasures = {
    detect::Measure::volume, detect::Measure::success_ratio, detect::Measure::latency,
    detect::Measure::insufficient_balance};

/// Whether `rule` takes any stream-window measure. Such a rule is advanced on the rule tick to
/// the StreamClock, never to the wall clock: traffic_loss, stream success ratio, latency, and
/// balance (whose advance only ends insufficient-balance bursts, which come from the stream;
/// its probe-fed balance levels do not depend on advance()). Probe-only rules keep the wall
/// clock.
[[nodiscard]] inline bool stream_fed(const detect::Detector& rule) {
    return std::any_of(kStreamMeasures.begin(), kStreamMeasures.end(),
                       [&](detect::Measure m) { return rule.consumes(m); });
}

/// The event time the stream-fed rules are advanced to on each rule tick (docs/events.md,
/// "Detection time").
///
/// Rules must not run ahead of the windows that feed them: when hours of old transactions are
/// backfilled through a live daemon (a push with old timestamps, a file tail catching up, a
/// Kafka group replaying from committed offsets), the windows' watermark follows event time,
/// and an advance to the wall clock would make traffic_loss record "no traffic" at wall time
/// and then drop every older sample of the backfill as late. So:
///
/// - While window samples arrive (a batch within `idle_after` of wall time), the answer is
///   the windows' watermark: the newest sample time seen (a bucket end; every batch ends with
///   the bucket that moved the watermark). This holds both while events flow (the watermark
///   follows event time) and while the stream is silent (the ingest pipeline then moves the
///   watermark with the wall clock after `allowed_lateness`, closing empty buckets, so silence
///   still reaches the rules, as zero volumes and as time).
/// - When no batch has arrived for `idle_after` (the windows hold no series, so they emit
///   nothing, or nothing was ever ingested), the answer is `wall - lateness`, where the
///   watermark of an idle stream would be: rules with no stream input still see time pass.
/// - Within `idle_after` of the start, before any sample: nullopt (do not advance yet), the
///   same grace the ingest pipeline gives a stream before it trusts the wall clock.
///
/// `idle_after` must exceed the longest pause between batches of windows that hold series:
/// `allowed_lateness` (a paused backfill keeps its watermark that long) plus a bucket or two.
/// Answers never exceed `wall`. They may step back once, when samples resume after an idle
/// spell (a backfill into empty windows): the detectors ignore what is older than their
/// series' last sample, and the backfill's own samples are not made late.
///
/// Pure: time comes in as parameters. Not thread-safe: owned by the pipeline strand.
class StreamClock {
public:
    StreamClock(core::Duration lateness, core::Duration idle_after, core::TimePoint started)
        : lateness_(lateness), idle_after_(idle_after), last_batch_(started) {}

    /// A batch of window samples whose latest sample time is `newest` arrived at wall time
    /// `wall`.
    void on_samples(core::TimePoint newest, core::TimePoint wall) {
        // A restarted backfill into empty windows may start older than an earlier watermark
        // that went idle; its own watermark is what counts now.
        if (!watermark_ || wall - last_batch_ >= idle_after_) {
            watermark_ = newest;
        } else {
            watermark_ = std::max(*watermark_, newest);
        }
        last_batch_ = std::max(last_batch_, wall);
    }

    /// Where the stream-fed rules go at wall time `wall` (see the class comment).
    [[nodiscard]] std::optional<core::TimePoint> now(core::TimePoint wall) const {
        if (wall - last_batch_ >= idle_after_) return wall - lateness_;
        if (!watermark_) return std::nullopt;
        return std::min(wall, *watermark_);
    }

private:
    core::Duration lateness_;
    core::Duration idle_after_;
    core::TimePoint last_batch_;  // wall time of the last batch (the start before any)
    std::optional<core::TimePoint> watermark_;
};

}  // namespace noctua::daemon
