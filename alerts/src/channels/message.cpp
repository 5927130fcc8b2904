#include "channels/message.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace noctua::alerts::detail {
namespace {

std::string annotation(const Alert& a, std::string_view key) {
    auto it = a.annotations.find(std::string(key));
    return it == a.annotations.end() ? std::string{} : it->second;
}

std::string label(const Alert& a, std::string_view name) {
    return std::string(a.labels.get(name).value_or(""));
}

/// "acme (ES)", "acme (ES, movistar)", or "" without a provider.
std::string where(const core::Labels& labels) {
    const auto provider = labels.get("provider");
    std::vector<std::string_view> narrower;
    for (std::string_view name : {"country", "operator", "customer"}) {
        if (auto v = labels.get(name)) narrower.push_back(*v);
    }
    std::string out(provider.value_or(""));
    if (!narrower.empty()) {
        out += out.empty() ? "" : " ";
        out += "(" + fmt::format("{}", fmt::join(narrower, ", ")) + ")";
    }
    return out;
}

/// The summary without the "; likely cause: …" the daemon appends (the cause has its own line).
std::string how_bad_of(const Alert& a) {
    std::string summary = annotation(a, "summary");
    const std::string cause = annotation(a, "likely_cause");
    const std::string suffix = "; likely cause: " + cause;
    if (!cause.empty() && summary.ends_with(suffix)) summary.resize(summary.size() - suffix.size());
    if (summary.empty()) summary = annotation(a, "description");
    return summary;
}

bool before(const Alert& x, const Alert& y) {
    // Firing before resolved, then most severe, then oldest.
    const bool fx = x.state == AlertState::firing;
    const bool fy = y.state == AlertState::firing;
    if (fx != fy) return fx;
    const int rx = severity_rank(x.labels.get("severity").value_or(""));
    const int ry = severity_rank(y.labels.get("severity").value_or(""));
    if (rx != ry) return rx < ry;
    return x.starts_at < y.starts_at;
}

/// The labels of `a` that the group does not already say.
std::string distinct_labels(const Alert& a, const core::Labels& common) {
    core::Labels rest;
    for (const auto& [k, v] : a.labels.pairs()) {
        if (k == "alertname" || k == "severity" || common.get(k) == std::string_view(v)) continue;
        rest.set(k, v);
    }
    return rest.empty() ? std::string{} : " " + rest.to_string();
}

}  // namespace

int severity_rank(std::string_view s) {
    if (s == "critical") return 0;
    if (s == "error") return 1;
    if (s == "warning") return 2;
    if (s == "info") return 3;
    return 4;
}

std::string human_duration(core::Duration d) {
    using namespace std::chrono;
    const auto secs = std::max<long long>(0, duration_cast<seconds>(d).count());
    if (secs < 60) return fmt::format("{} s", secs);
    const auto mins = secs / 60;
    if (mins < 60) return fmt::format("{} min", mins);
    const auto hours = mins / 60;
    if (hours < 24) {
        return mins % 60 == 0 ? fmt::format("{} h", hours)
                              : fmt::format("{} h {} min", hours, mins % 60);
    }
    return hours % 24 == 0 ? fmt::format("{} d", hours / 24)
                           : fmt::format("{} d {} h", hours / 24, hours % 24);
}

std::string clock_time(core::TimePoint t, core::TimePoint ref) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    if (ref - t >= std::chrono::hours(24)) return fmt::format("{:%Y-%m-%d %H:%M} UTC", tm);
    return fmt::format("{:%H:%M} UTC", tm);
}

std::string cut_chars(std::string_view s, std::size_t max) {
    std::size_t count = 0;
    std::size_t i = 0;
    std::size_t keep = 0;  // bytes of the first max-1 code points
    while (i < s.size()) {
        if (count == max - 1) keep = i;
        std::size_t len = 1;
        while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) {
            ++len;
        }
        i += len;
        ++count;
        if (count > max) return std::string(s.substr(0, keep)) + "…";
    }
    return std::string(s);
}

std::string cut_bytes(std::string_view s, std::size_t max) {
    if (s.size() <= max) return std::string(s);
    constexpr std::string_view kEllipsis = "…";
    if (max < kEllipsis.size()) return {};
    std::size_t end = max - kEllipsis.size();
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end)) + std::string(kEllipsis);
}

std::size_t utf16_length(std::string_view s) {
    std::size_t units = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) == 0x80) continue;
        units += c >= 0xF0 ? 2 : 1;  // four-byte sequences are surrogate pairs
    }
    return units;
}

std::string fit_alerts(std::size_t n, const std::function<std::string(std::size_t)>& render,
                       const std::function<bool(const std::string&)>& fits) {
    std::string full = render(n);
    if (fits(full)) return full;
    // Binary search on how many alerts are listed: more listed, longer text.
    std::size_t lo = 0;
    std::size_t hi = n;
    std::string best = render(0);
    while (lo < hi) {
        const std::size_t mid = (lo + hi + 1) / 2;
        std::string text = render(mid);
        if (fits(text)) {
            lo = mid;
            best = std::move(text);
        } else {
            hi = mid - 1;
        }
    }
    return lo == 0 ? render(0) : best;
}

std::string more_line(std::size_t left_out) {
    if (left_out == 0) return {};
    return fmt::format("… and {} more alert{}", left_out, left_out == 1 ? "" : "s");
}

std::string Message::plain_lead() const {
    std::string out = headline;
    if (!since.empty() || !how_bad.empty()) {
        out += "\n" + since;
        if (!how_bad.empty()) out += (since.empty() ? "" : " ") + how_bad;
    }
    if (!cause.empty()) out += "\n" + cause;
    return out;
}

Message compose(const Notification& n) {
    Message m;
    std::vector<const Alert*> sorted;
    for (const auto& a : n.alerts) sorted.push_back(&a);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Alert* x, const Alert* y) { return before(*x, *y); });
    m.firing = n.status() == AlertState::firing;
    const Alert* lead = sorted.empty() ? nullptr : sorted.front();
    const core::Labels common = n.common_labels();
    if (lead == nullptr) {
        m.headline = m.firing ? "FIRING" : "RESOLVED";
        return m;
    }

    m.severity = label(*lead, "severity");
    const std::string alertname(lead->alertname());
    const std::string place = where(common.empty() ? lead->labels : common);
    m.what = place.empty() ? alertname : alertname + " on " + place;

    std::size_t firing = 0;
    core::TimePoint first_start = lead->starts_at;
    core::TimePoint last_end{};
    for (const Alert* a : sorted) {
        if (a->state == AlertState::firing) {
            ++firing;
            first_start = std::min(first_start, a->starts_at);
        } else {
            first_start = std::min(first_start, a->starts_at);
            last_end = std::max(last_end, a->ends_at);
        }
    }
    const auto now = n.created;
    if (m.firing) {
        m.headline =
            fmt::format("FIRING · {}{}", m.what, m.severity.empty() ? "" : " · " + m.severity);
        m.since = fmt::format("Since {} ({}).", clock_time(first_start, now),
                              human_duration(now - first_start));
        if (sorted.size() > 1) {
            m.since += fmt::format(" {} of {} alerts firing.", firing, sorted.size());
        }
        m.how_bad = how_bad_of(*lead);
        if (auto c = annotation(*lead, "likely_cause"); !c.empty()) m.cause = "Likely cause: " + c;
    } else {
        m.headline =
            fmt::format("RESOLVED · {} · after {}", m.what, human_duration(last_end - first_start));
        m.since = fmt::format("Resolved at {}, firing since {}.", clock_time(last_end, now),
                              clock_time(first_start, now));
        if (sorted.size() > 1) m.since += fmt::format(" {} alerts resolved.", sorted.size());
    }
    for (const Alert* a : sorted) {
        if (m.runbook_url.empty()) m.runbook_url = annotation(*a, "runbook_url");
        if (m.dashboard_url.empty()) m.dashboard_url = annotation(*a, "dashboard_url");
    }
    if (sorted.size() > 1) {
        for (const Alert* a : sorted) {
            AlertLine line;
            line.severity = label(*a, "severity");
            line.firing = a->state == AlertState::firing;
            const std::string summary = how_bad_of(*a);
            line.text =
                fmt::format("{}{} {}{} {} {}{}", line.firing ? "" : "resolved · ",
                            line.severity.empty() ? "" : line.severity + " ·", a->alertname(),
                            distinct_labels(*a, common), line.firing ? "since" : "ended",
                            clock_time(line.firing ? a->starts_at : a->ends_at, now),
                            summary.empty() ? "" : ": " + summary);
            m.alerts.push_back(std::move(line));
        }
    }
    return m;
}

}  // namespace noctua::alerts::detail
