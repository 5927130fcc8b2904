#include "noctua/probes/probe_series.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace noctua::probes {

void ProbeSeries::record(std::string_view probe, std::string_view provider, bool success,
                         double duration_seconds) {
    // The bucket is found before taking the lock.
    const auto bound = std::lower_bound(kDurationBuckets.begin(), kDurationBuckets.end(),
                                        duration_seconds);
    const auto bucket = static_cast<std::size_t>(bound - kDurationBuckets.begin());
    std::lock_guard lock(mutex_);
    auto it = slots_.find(probe);
    if (it == slots_.end()) it = slots_.emplace(std::string(probe), Slot{}).first;
    auto& s = it->second;
    if (s.provider != provider) s.provider.assign(provider);
    s.success = success ? 1 : 0;
    ++(success ? s.runs_success : s.runs_failure);
    s.duration_sum += duration_seconds;
    ++s.buckets[bucket];
}

void ProbeSeries::remove(std::string_view probe) {
    std::lock_guard lock(mutex_);
    if (auto it = slots_.find(probe); it != slots_.end()) slots_.erase(it);
}

std::optional<ProbeSeries::Values> ProbeSeries::values(std::string_view probe) const {
    std::lock_guard lock(mutex_);
    auto it = slots_.find(probe);
    if (it == slots_.end()) return std::nullopt;
    const auto& s = it->second;
    Values v;
    v.success = s.success;
    v.runs_success = s.runs_success;
    v.runs_failure = s.runs_failure;
    v.duration_sum = s.duration_sum;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s.buckets.size(); ++i) {
        cumulative += s.buckets[i];
        v.duration_buckets[i] = cumulative;
    }
    v.duration_count = cumulative;
    return v;
}

namespace {

// Label values escaped as the text format wants (backslash, quote, newline).
void append_label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
}

// Numbers as prometheus-cpp's TextSerializer writes them ("%.16g", "+Inf").
void append_number(std::string& out, double v) {
    if (std::isinf(v)) {
        out += v < 0 ? "-Inf" : "+Inf";
    } else if (std::isnan(v)) {
        out += "Nan";
    } else {
        fmt::format_to(std::back_inserter(out), "{:.16g}", v);
    }
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
}

}  // namespace

void ProbeSeries::write_text(std::string& out) const {
    // A copy taken under the lock, formatted without it: record() (the probe loop) never waits
    // for a scrape's formatting.
    std::vector<std::pair<std::string, Slot>> slots;
    {
        std::lock_guard lock(mutex_);
        slots.assign(slots_.begin(), slots_.end());
    }
    // {probe="…",provider="…"} once per probe: the same labels start every line of it.
    std::vector<std::string> labels;
    labels.reserve(slots_.size());
    for (const auto& [probe, s] : slots) {
        std::string l = "{probe=\"";
        append_label_value(l, probe);
        l += "\",provider=\"";
        append_label_value(l, s.provider);
        l += '"';
        labels.push_back(std::move(l));
    }
    // 18 lines per probe (most of them the histogram), each its labels plus ~55 bytes.
    std::size_t size = 512;
    for (const auto& l : labels) size += 18 * (l.size() + 55);
    out.reserve(out.size() + size);

    append_header(out, "noctua_probe_success",
                  "1 if the probe's last run passed, 0 if it failed", "gauge");
    std::size_t i = 0;
    for (const auto& [probe, s] : slots) {
        out += "noctua_probe_success";
        out += labels[i++];
        out += "} ";
        append_number(out, s.success);
        out += '\n';
    }

    append_header(out, "noctua_probe_duration_seconds", "Duration of probe runs", "histogram");
    i = 0;
    for (const auto& [probe, s] : slots) {
        const std::string& l = labels[i++];
        std::uint64_t count = 0;
        for (auto b : s.buckets) count += b;
        fmt::format_to(std::back_inserter(out), "noctua_probe_duration_seconds_count{}}} {}\n", l,
                       count);
        out += "noctua_probe_duration_seconds_sum";
        out += l;
        out += "} ";
        append_number(out, s.duration_sum);
        out += '\n';
        std::uint64_t cumulative = 0;
        for (std::size_t b = 0; b < s.buckets.size(); ++b) {
            cumulative += s.buckets[b];
            out += "noctua_probe_duration_seconds_bucket";
            out += l;
            out += ",le=\"";
            append_number(out, b < kDurationBuckets.size()
                                   ? kDurationBuckets[b]
                                   : std::numeric_limits<double>::infinity());
            fmt::format_to(std::back_inserter(out), "\"}} {}\n", cumulative);
        }
    }

    append_header(out, "noctua_probe_runs_total", "Probe runs by result (success|failure)",
                  "counter");
    i = 0;
    for (const auto& [probe, s] : slots) {
        const std::string& l = labels[i++];
        fmt::format_to(std::back_inserter(out),
                       "noctua_probe_runs_total{},result=\"failure\"}} {}\n"
                       "noctua_probe_runs_total{},result=\"success\"}} {}\n",
                       l, s.runs_failure, l, s.runs_success);
    }
}

}  // namespace noctua::probes
