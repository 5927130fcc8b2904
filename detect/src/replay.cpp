#include "noctua/detect/replay.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "noctua/core/json.hpp"

namespace noctua::detect {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' ||
                          s.front() == '\'')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' ||
                          s.back() == '\'' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    pos += n;
    out = v;
    return true;
}

std::optional<double> number(std::string_view s) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    if (s.front() == '+') s.remove_prefix(1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<core::TimePoint> parse_timestamp(std::string_view text) {
    using namespace std::chrono;
    auto s = trim(text);
    if (s.empty()) return std::nullopt;
    if (s.find('-') == std::string_view::npos || s.find('-') == 0) {
        // Unix seconds.
        auto v = number(s);
        if (!v || *v < 0) return std::nullopt;
        return core::TimePoint{milliseconds{static_cast<std::int64_t>(*v * 1000.0)}};
    }
    std::size_t p = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (!digits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !digits(s, p, 2, mo) ||
        p >= s.size() || s[p++] != '-' || !digits(s, p, 2, d)) {
        return std::nullopt;
    }
    if (p < s.size() && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
        ++p;
        if (!digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, mi)) {
            return std::nullopt;
        }
        if (p < s.size() && s[p] == ':') {
            ++p;
            if (!digits(s, p, 2, sec)) return std::nullopt;
            if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
                ++p;
                int scale = 100;
                while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
                    ms += (s[p] - '0') * scale;
                    scale /= 10;
                    ++p;
                }
            }
        }
    }
    minutes offset{0};
    if (p < s.size()) {
        if (s[p] == 'Z' || s[p] == 'z') {
            ++p;
        } else if (s[p] == '+' || s[p] == '-') {
            const int sign = s[p] == '-' ? -1 : 1;
            ++p;
            int oh = 0, om = 0;
            if (!digits(s, p, 2, oh)) return std::nullopt;
            if (p < s.size() && s[p] == ':') ++p;
            if (p < s.size() && !digits(s, p, 2, om)) return std::nullopt;
            offset = minutes{sign * (oh * 60 + om)};
        }
    }
    if (p != s.size()) return std::nullopt;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    const auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms} -
                    offset;
    return time_point_cast<milliseconds>(tp);
}

core::Result<CsvSeries> read_series_csv(std::string_view text, const core::Labels& labels) {
    CsvSeries out;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) continue;
        const auto c1 = line.find(',');
        if (c1 == std::string_view::npos) {
            ++out.skipped;
            continue;
        }
        const auto c2 = line.find(',', c1 + 1);
        auto t = parse_timestamp(line.substr(0, c1));
        auto v = number(line.substr(c1 + 1, c2 == std::string_view::npos ? line.npos
                                                                           : c2 - c1 - 1));
        if (!t || !v) {
            // A header row is expected once, at the top; anything else is a bad row.
            if (line_no != 1) ++out.skipped;
            continue;
        }
        out.samples.push_back(core::Sample{labels, *t, *v});
    }
    if (out.samples.empty()) {
        return core::fail(core::Errc::parse,
                          "no usable rows: expected CSV lines of timestamp,value");
    }
    std::stable_sort(out.samples.begin(), out.samples.end(),
                     [](const auto& a, const auto& b) { return a.time < b.time; });
    return out;
}

std::string transition_json(const Signal& signal, std::string_view likely_cause) {
    core::JsonWriter w;
    w.begin_object();
    w.field("at", core::format_rfc3339(signal.at));
    w.field("alertname", signal.rule);
    w.field("state", signal.active ? "firing" : "resolved");
    w.key("labels").begin_object();
    for (const auto& [k, v] : signal.labels.pairs()) w.field(k, v);
    w.end_object();
    w.field("value", signal.value);
    w.field("summary", signal.summary);
    if (!likely_cause.empty()) w.field("likely_cause", likely_cause);
    w.end_object();
    return std::move(w).str();
}

}  // namespace noctua::detect
