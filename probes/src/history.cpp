#include "history.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "noctua/probes/kinds/http.hpp"

namespace noctua::probes {
namespace {

/// The `extract` entries that name a probe's values in order: an http probe's; none for the
/// other kinds (a scenario's values come from several steps).
const std::vector<ExtractConfig>& extracts(const config::ProbeConfig& c) {
    static const std::vector<ExtractConfig> kNone;
    return c.kind == "http" ? c.options.get<HttpOptions>().extract : kNone;
}

}  // namespace

static_assert(sizeof(HistoryRecord) <= 80);

void HistoryRecord::assign(const ProbeResult& r, const config::ProbeConfig& c) {
    started = r.started;
    duration_us = static_cast<std::int32_t>(
        std::min<std::int64_t>(r.duration.count(), std::numeric_limits<std::int32_t>::max()));
    const double t[] = {r.timings.dns, r.timings.connect, r.timings.tls, r.timings.first_byte,
                        r.timings.total};
    for (std::size_t i = 0; i < timings_us.size(); ++i) {
        timings_us[i] =
            static_cast<std::uint32_t>(std::clamp(std::llround(t[i] * 1e6), 0LL, 0xffffffffLL));
    }
    cert_not_after = r.certificate ? r.certificate->not_after : 0;
    http_status = static_cast<std::int16_t>(std::clamp(r.http_status, -1, 32767));
    success = r.success;
    reason = 0;
    if (!r.failure_reason.empty()) {
        const auto* it = std::find(std::begin(kFailureReasons), std::end(kFailureReasons),
                                   r.failure_reason);
        if (it == std::end(kFailureReasons)) {
            it = std::find(std::begin(kFailureReasons), std::end(kFailureReasons), "other");
        }
        reason = static_cast<std::uint8_t>(1 + (it - std::begin(kFailureReasons)));
    }
    inline_values = 0;
    const auto& extract = extracts(c);
    const bool named_by_position =
        r.values.size() <= kInlineValues && r.values.size() <= extract.size() &&
        std::equal(r.values.begin(), r.values.end(), extract.begin(),
                   [](const ExtractedValue& v, const ExtractConfig& e) {
                       return v.name == e.name;
                   });
    if (named_by_position) {
        for (const auto& v : r.values) values[inline_values++] = v.value;
    }
    const bool cert_names =
        r.certificate && !(r.certificate->issuer.empty() && r.certificate->subject.empty());
    const bool need_detail = !named_by_position || !r.steps.empty() ||
                             (!r.success && !r.message.empty()) || !r.value_labels.empty() ||
                             cert_names;
    if (!need_detail) {
        detail.reset();
        return;
    }
    auto d = std::make_shared<Detail>();
    if (!r.success) d->message = r.message;
    if (!named_by_position) d->values = r.values;
    d->steps = r.steps;
    d->value_labels = r.value_labels;
    if (cert_names) {
        d->cert_issuer = r.certificate->issuer;
        d->cert_subject = r.certificate->subject;
    }
    detail = std::move(d);
}

void HistoryRecord::rebind(const config::ProbeConfig& from, const config::ProbeConfig& to) {
    if (inline_values == 0) return;
    const auto& before = extracts(from);
    const auto& after = extracts(to);
    const bool same = after.size() >= inline_values &&
                      std::equal(before.begin(), before.begin() + inline_values, after.begin(),
                                 [](const auto& a, const auto& b) { return a.name == b.name; });
    if (same) return;
    auto d = detail ? std::make_shared<Detail>(*detail) : std::make_shared<Detail>();
    d->values = named_values(from);
    inline_values = 0;
    detail = std::move(d);
}

std::vector<ExtractedValue> HistoryRecord::named_values(const config::ProbeConfig& c) const {
    std::vector<ExtractedValue> out;
    out.reserve(inline_values);
    const auto& extract = extracts(c);
    for (std::size_t i = 0; i < inline_values && i < extract.size(); ++i) {
        out.push_back({extract[i].name, values[i]});
    }
    return out;
}

ProbeResult HistoryRecord::result(const config::ProbeConfig& c) const {
    auto r = ProbeResult::of(c, started, std::chrono::microseconds{duration_us});
    r.success = success;
    if (reason != 0) r.failure_reason = kFailureReasons[reason - 1];
    r.http_status = http_status;
    const auto sec = [&](std::size_t i) { return timings_us[i] / 1e6; };
    r.timings = {sec(0), sec(1), sec(2), sec(3), sec(4)};
    if (cert_not_after != 0) {
        r.certificate.emplace();
        r.certificate->not_after = cert_not_after;
    }
    r.values = named_values(c);
    if (detail) {
        r.message = detail->message;
        r.values.insert(r.values.end(), detail->values.begin(), detail->values.end());
        r.steps = detail->steps;
        r.value_labels = detail->value_labels;
        if (!detail->cert_issuer.empty() || !detail->cert_subject.empty()) {
            if (!r.certificate) r.certificate.emplace();
            r.certificate->issuer = detail->cert_issuer;
            r.certificate->subject = detail->cert_subject;
        }
    }
    return r;
}

void ProbeHistory::remember(const ProbeResult& r, const config::ProbeConfig& c,
                            std::size_t keep) {
    keep = std::max<std::size_t>(keep, 1);
    if (records_.size() > keep) {
        records_ = ordered();
        records_.erase(records_.begin(), records_.end() - static_cast<std::ptrdiff_t>(keep));
        next_ = 0;
    }
    if (records_.size() < keep) {
        if (next_ != 0) {
            records_ = ordered();
            next_ = 0;
        }
        records_.reserve(keep);
        records_.emplace_back(r, c);
        return;
    }
    records_[next_].assign(r, c);
    next_ = (next_ + 1) % keep;
}

void ProbeHistory::adopt(const ProbeHistory& old, const config::ProbeConfig& from,
                         const config::ProbeConfig& to) {
    records_ = old.ordered();
    next_ = 0;
    for (auto& h : records_) h.rebind(from, to);
}

std::optional<ProbeResult> ProbeHistory::last(const config::ProbeConfig& c) const {
    if (records_.empty()) return std::nullopt;
    return record(records_.size() - 1).result(c);
}

std::vector<ProbeResult> ProbeHistory::results(const config::ProbeConfig& c) const {
    std::vector<ProbeResult> out;
    out.reserve(records_.size());
    for (std::size_t i = 0; i < records_.size(); ++i) out.push_back(record(i).result(c));
    return out;
}

std::vector<HistoryRecord> ProbeHistory::ordered() const {
    std::vector<HistoryRecord> out;
    out.reserve(records_.size());
    for (std::size_t i = 0; i < records_.size(); ++i) out.push_back(record(i));
    return out;
}

}  // namespace noctua::probes
