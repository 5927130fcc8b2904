// The daily status report as one self-contained HTML document: inline CSS and SVG, no script,
// no external asset.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report_text.hpp"

namespace noctua::probes::detail {
namespace {

constexpr const char* kGood = "#2e9e5b";
constexpr const char* kBad = "#d64545";
constexpr const char* kNeutral = "#5b7db1";

/// Bars of `values` (NaN: a gap) scaled from `lo` to `hi`, each coloured by `colour(i)`, with
/// an optional line of `line` values on the same scale; `label` is the chart's accessible name.
template <class Colour>
std::string chart(const std::vector<double>& values, double lo, double hi, Colour colour, std::string_view label,
                  const std::vector<double>& line = {}) {
    const std::size_t n = std::max(values.size(), line.size());
    const double range = hi > lo ? hi - lo : 1;
    const auto y = [&](double v) { return 23 - std::clamp((v - lo) / range, 0.0, 1.0) * 22; };
    std::string out = fmt::format(R"(<svg class="spark" width="{0}" height="24" viewBox="0 0 {0} 24" role="img">)"
                                  R"(<title>{1}</title>)",
                                  std::max<std::size_t>(n, 1) * 8, xml_escape(label));
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) continue;
        const double top = std::min(y(values[i]), 21.0);  // a bar of at least 2 px
        out += fmt::format(R"(<rect x="{}" y="{:.1f}" width="6" height="{:.1f}" fill="{}"/>)", i * 8, top,
                           23 - top, colour(i));
    }
    std::string points;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (std::isfinite(line[i])) points += fmt::format("{},{:.1f} ", i * 8 + 3, y(line[i]));
    }
    if (!points.empty()) {
        points.pop_back();
        out += fmt::format(R"(<polyline points="{}" fill="none" stroke="#222" stroke-width="1.5"/>)", points);
    }
    return out + "</svg>";
}

double finite_max(const std::vector<double>& a, const std::vector<double>& b = {}) {
    double top = 0;
    for (const auto* v : {&a, &b}) {
        for (double x : *v) {
            if (std::isfinite(x)) top = std::max(top, x);
        }
    }
    return top > 0 ? top : 1;
}

std::string facts_html(const ProviderFacts& f) {
    std::string out = R"(<table class="facts"><caption>Last 24 h</caption>)";
    std::vector<bool> down;
    for (double p : f.availability_points) down.push_back(p < 1);
    out += fmt::format(R"(<tr><th>Probes</th><td>{}</td><td>{}</td></tr>)", probes_text(f.availability),
                       chart(f.availability_points, 0, 1, [&](std::size_t i) { return down[i] ? kBad : kGood; },
                             "probe runs, oldest first"));
    if (const auto& s = f.stream) {
        out += fmt::format(
            R"(<tr class="stream"><th>Success ratio</th><td>{} of {} judged ({} transactions)</td><td>{}</td></tr>)",
            percent(s->success_ratio), s->judged, s->transactions,
            chart(s->success_points, 0, 1,
                  [&](std::size_t i) { return s->success_points[i] < 0.95 ? kBad : kGood; },
                  "success ratio per hour"));
        out += fmt::format(R"(<tr><th>Latency</th><td>p50 {} · p95 {} · p99 {}</td><td>{}</td></tr>)",
                           millis(s->latency_p50_ms), millis(s->latency_p95_ms), millis(s->latency_p99_ms),
                           chart(s->volume_points, 0, finite_max(s->volume_points),
                                 [](std::size_t) { return kNeutral; }, "transactions per hour"));
    } else {
        out += R"(<tr class="stream"><th>Stream</th><td colspan="2">no transactions in the last 24 h</td></tr>)";
    }
    if (const auto& t = f.traffic) {
        const double top = finite_max(t->observed_points, t->expected_points);
        out += fmt::format(
            R"(<tr class="traffic"><th>Traffic</th><td>{}</td><td>{}</td></tr>)", xml_escape(traffic_text(t)),
            chart(t->observed_points, 0, top,
                  [&](std::size_t i) {
                      return i < t->expected_points.size() && t->observed_points[i] < 0.5 * t->expected_points[i]
                                 ? kBad
                                 : kNeutral;
                  },
                  "observed transactions per hour (bars) against expected (line)", t->expected_points));
    } else {
        out += R"(<tr class="traffic"><th>Traffic</th><td colspan="2">no traffic baseline yet</td></tr>)";
    }
    for (const auto& b : f.balances) {
        const bool low = b.exhaustion_seconds && *b.exhaustion_seconds < 6 * 3600;
        out += fmt::format(R"(<tr class="balance"><th>Balance</th><td colspan="2" class="{}">{}</td></tr>)",
                           low ? "fail" : "", xml_escape(balance_text(b)));
    }
    if (f.alerts.empty()) {
        out += R"(<tr class="alerts"><th>Alerts</th><td colspan="2">none</td></tr>)";
    } else {
        out += fmt::format(R"(<tr class="alerts"><th>Alerts</th><td colspan="2"><ul>)");
        for (const auto& a : f.alerts) {
            out += fmt::format(R"(<li class="{}">{}</li>)", a.ends ? "" : "fail", xml_escape(alert_text(a)));
        }
        out += "</ul></td></tr>";
    }
    return out + "</table>";
}

}  // namespace

std::string html_report(const StatusReport& r) {
    std::string out = fmt::format(
        R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Provider status {0}</title>)"
        R"(<style>body{{font-family:sans-serif;margin:2em;background:#fafafa;color:#222}})"
        R"(section{{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}})"
        R"(.pass{{color:#2e9e5b}}.fail{{color:#d64545}}table{{border-collapse:collapse;margin:.5em 0}})"
        R"(td,th{{padding:2px 10px;text-align:left;border-bottom:1px solid #eee;vertical-align:middle}})"
        R"(caption{{text-align:left;font-weight:bold;padding:4px 0}}ul{{margin:0;padding-left:1.2em}})"
        R"(.note{{color:#666;font-style:italic}}</style></head><body>)"
        R"(<h1>Provider status {0}</h1><p class="{1}">{2}</p>)",
        xml_escape(r.date), r.success() ? "pass" : "fail",
        r.success() ? "All providers passed." : "Some providers failed.");
    if (!r.from_daemon) out += fmt::format(R"(<p class="note">{}</p>)", xml_escape(kNoDaemonNote));
    for (const auto& s : r.results) {
        std::vector<double> times;
        std::vector<bool> bad;
        for (const auto& st : s.steps) {
            times.push_back(seconds(st.duration));
            bad.push_back(!st.success && !st.skipped);
        }
        out += fmt::format(R"(<section class="provider" data-provider="{0}"><h2>{1} <small>({0})</small> )"
                           R"(<span class="{2}">{3}</span></h2><p>Step times {4}</p>)",
                           xml_escape(s.provider), xml_escape(s.provider_name), s.success ? "pass" : "fail",
                           s.success ? "passed" : "failed at " + xml_escape(s.failed_step),
                           chart(times, 0, finite_max(times), [&](std::size_t i) { return bad[i] ? kBad : kGood; },
                                 "step times"));
        out += "<table><tr><th>step</th><th>result</th><th>time</th><th>detail</th></tr>";
        for (const auto& st : s.steps) {
            out += fmt::format(R"(<tr><td>{}</td><td class="{}">{}</td><td>{:.3f} s</td><td>{}</td></tr>)",
                               xml_escape(st.name), st.success ? "pass" : "fail", step_state(st),
                               seconds(st.duration), xml_escape(st.message));
        }
        out += "</table>";
        if (s.balance) out += fmt::format("<p>Balance {:.2f} {}</p>", *s.balance, xml_escape(s.currency));
        if (auto it = r.facts.find(s.provider); it != r.facts.end()) out += facts_html(it->second);
        if (s.catalogue) out += fmt::format("<p>Catalogue: {} operators</p>", s.catalogue->size());
        if (!s.catalogue_changes.empty()) {
            out += "<ul>";
            for (const auto& c : s.catalogue_changes) out += "<li>" + xml_escape(change_text(c)) + "</li>";
            out += "</ul>";
        }
        out += "</section>";
    }
    return out + "</body></html>\n";
}

}  // namespace noctua::probes::detail
