#include "status_page.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "noctua/core/clock.hpp"
#include "noctua/core/enum_names.hpp"

namespace noctua::daemon {
namespace {

constexpr double kChartWidth = 300;
constexpr double kChartHeight = 60;

// Dark, high-contrast, large: read from across the room. States carry an icon and a word;
// the colour only repeats them.
constexpr std::string_view kStyle = R"(
:root{color-scheme:dark}
body{margin:0;padding:1.2rem 1.6rem;background:#111418;color:#e8eaed;
font:18px/1.35 "DejaVu Sans",system-ui,sans-serif}
h1{font-size:2rem;margin:0 0 .3rem}
h2{font-size:1.4rem;margin:1.2rem 0 .5rem}
.meta{color:#aab;font-size:1rem}
.summary{font-size:1.6rem;font-weight:bold;margin:.4rem 0 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:1rem}
.card{border:4px solid #555;border-radius:10px;padding:.8rem 1rem;background:#1a1e24}
.card.up{border-color:#2e7d32}.card.degraded{border-color:#ef8f00}.card.down{border-color:#e53935;background:#2a1517}
.state{font-size:1.7rem;font-weight:bold;letter-spacing:.05em}
.up .state{color:#66bb6a}.degraded .state{color:#ffb74d}.down .state{color:#ff6f60}
.name{font-size:1.5rem;font-weight:bold}.id{color:#aab;font-size:.95rem}
.reason{font-size:1.1rem;margin:.2rem 0}
ul{list-style:none;padding:0;margin:.3rem 0}
li{margin:.15rem 0}
.ok{color:#66bb6a}.bad{color:#ff6f60}.warn{color:#ffb74d}
.chart{margin:.4rem 0}.chart .t{font-size:1rem;color:#ccd}
svg{display:block;width:100%;height:auto;background:#101317;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:1.1rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #333}
th{color:#aab;font-weight:normal}
.sev-critical{color:#ff6f60;font-weight:bold}.sev-warning{color:#ffb74d;font-weight:bold}
footer{margin-top:1.5rem;color:#889;font-size:.95rem}
a{color:#8ab4f8}
)";

constexpr core::EnumName<ProviderState> kStateIcons[] = {
    {ProviderState::up, "✔"},
    {ProviderState::degraded, "▲"},
    {ProviderState::down, "✖"},
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

std::string percent(double ratio) {
    if (std::isnan(ratio)) return "no data";
    return fmt::format("{:.1f}%", ratio * 100);
}

std::string amount(double v) {
    // Thousands separated by thin spaces: 1 234 567.89.
    auto s = fmt::format("{:.2f}", std::abs(v));
    auto dot = s.find('.');
    std::string out;
    for (std::size_t i = 0; i < dot; ++i) {
        if (i > 0 && (dot - i) % 3 == 0) out += "\u2009";
        out += s[i];
    }
    return (v < 0 ? "-" : "") + out + s.substr(dot);
}

double seconds_between(core::TimePoint later, core::TimePoint earlier) {
    return std::chrono::duration<double>(later - earlier).count();
}

std::string severity_cell(const std::string& severity) {
    const auto icon = severity == "critical" ? "✖" : severity == "warning" ? "▲" : "●";
    return fmt::format(R"(<td class="sev-{0}">{1} {2}</td>)", html_escape(severity), icon,
                       html_escape(severity.empty() ? std::string("none") : upper(severity)));
}

void render_alerts(std::string& out, const WallSnapshot& snap) {
    std::vector<const WallAlert*> all;
    for (const auto& p : snap.providers) {
        for (const auto& a : p.alerts) all.push_back(&a);
    }
    for (const auto& a : snap.other_alerts) all.push_back(&a);
    // Critical first, then the oldest.
    std::stable_sort(all.begin(), all.end(), [](const WallAlert* a, const WallAlert* b) {
        const bool ca = a->severity == "critical";
        const bool cb = b->severity == "critical";
        if (ca != cb) return ca;
        return a->since < b->since;
    });
    out += fmt::format("<h2>Firing alerts ({})</h2>\n", all.size());
    if (all.empty()) {
        out += "<p class=\"ok\">✔ Nothing is firing.</p>\n";
        return;
    }
    out +=
        "<table><thead><tr><th>Severity</th><th>Alert</th><th>Provider</th>"
        "<th>Summary</th><th>Likely cause</th><th>Firing for</th></tr></thead><tbody>\n";
    for (const auto* a : all) {
        out += "<tr>";
        out += severity_cell(a->severity);
        out += fmt::format(
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(a->name),
            html_escape(a->provider.empty() ? "—" : a->provider), html_escape(a->summary),
            html_escape(a->likely_cause.empty() ? "—" : a->likely_cause),
            format_age(seconds_between(snap.at, a->since)));
    }
    out += "</tbody></table>\n";
}

void render_probes(std::string& out, const WallProvider& p) {
    out += "<ul class=\"probes\">";
    for (const auto& probe : p.probes) {
        if (!probe.has_run) {
            out += fmt::format("<li>… {} <span class=\"meta\">not run yet</span></li>",
                               html_escape(probe.id));
        } else if (probe.success) {
            out +=
                fmt::format("<li class=\"ok\">✔ {} <span class=\"meta\">ok, {:.0f} ms</span></li>",
                            html_escape(probe.id), probe.duration_seconds * 1000);
        } else {
            out += fmt::format("<li class=\"bad\">✖ {} FAILED: {}{}{}</li>", html_escape(probe.id),
                               html_escape(probe.failure_reason),
                               probe.message.empty() ? "" : " — ", html_escape(probe.message));
        }
    }
    if (p.probes.empty()) out += "<li class=\"meta\">no probes</li>";
    out += "</ul>\n";
}

void render_charts(std::string& out, const WallProvider& p, const WallSnapshot& snap) {
    // The charts span the ring's points: 15 minutes at least (a fresh daemon), all of it at most.
    const core::Duration full = Wall::kHistoryStep * static_cast<int>(Wall::kHistoryPoints);
    core::Duration span = std::chrono::minutes(15);
    if (!p.history.empty()) {
        span = std::clamp(
            std::chrono::duration_cast<core::Duration>(snap.at - p.history.front().at), span, full);
    }
    const auto window = format_age(std::chrono::duration<double>(span).count());
    Sparkline ratio;
    ratio.end = snap.at;
    ratio.span = span;
    double traffic_hi = 0;
    bool traffic = false;
    for (const auto& pt : p.history) {
        ratio.at.push_back(pt.at);
        ratio.values.push_back(pt.success_ratio);
        for (double v : {pt.traffic, pt.expected}) {
            if (!std::isnan(v)) {
                traffic = true;
                traffic_hi = std::max(traffic_hi, v);
            }
        }
    }
    const double last_ratio = p.history.empty() ? std::nan("") : p.history.back().success_ratio;
    ratio.label =
        fmt::format("probe success ratio over the last {}, now {}", window, percent(last_ratio));
    out += fmt::format(
        "<div class=\"chart\"><div class=\"t\">Probe success: <b>{}</b> "
        "<span class=\"meta\">(last {})</span></div>{}</div>\n",
        percent(last_ratio), window, render_sparkline(ratio));
    if (!traffic) {
        out +=
            "<div class=\"chart\"><div class=\"t\">Traffic: <span class=\"meta\">no traffic "
            "rule for this provider</span></div></div>\n";
        return;
    }
    Sparkline t = ratio;
    t.values.clear();
    for (const auto& pt : p.history) {
        t.values.push_back(pt.traffic);
        t.band_lo.push_back(pt.expected_low);
        t.band_hi.push_back(pt.expected);
    }
    t.lo = 0;
    t.hi = traffic_hi > 0 ? traffic_hi * 1.15 : 1;
    const auto& last = p.history.back();
    std::string now_text = "no data";
    if (!std::isnan(last.traffic) && last.expected > 0) {
        now_text = fmt::format("{:.0f}% of expected ({:.0f} vs {:.0f})",
                               last.traffic / last.expected * 100, last.traffic, last.expected);
    }
    const bool low = !std::isnan(last.traffic) && !std::isnan(last.expected_low) &&
                     last.traffic < last.expected_low;
    t.label =
        fmt::format("traffic against the expected band over the last {}, now {}", window, now_text);
    out += fmt::format(
        "<div class=\"chart\"><div class=\"t\">Traffic: <b class=\"{}\">{}{}</b> "
        "<span class=\"meta\">(line: observed, band: expected)</span></div>{}</div>\n",
        low ? "bad" : "ok", low ? "▼ LOW: " : "", now_text, render_sparkline(t));
}

void render_balances(std::string& out, const WallProvider& p) {
    if (p.balances.empty()) return;
    out += "<ul class=\"balances\">";
    for (const auto& b : p.balances) {
        std::string lasts = "not spending";
        std::string cls = "ok";
        if (b.exhaustion_seconds) {
            lasts = *b.exhaustion_seconds <= 0
                        ? std::string("exhausted")
                        : "runs out in " + format_age(*b.exhaustion_seconds);
            if (*b.exhaustion_seconds < 3 * 3600.0)
                cls = "bad";
            else if (*b.exhaustion_seconds < 24 * 3600.0)
                cls = "warn";
        } else if (b.burn_per_hour == 0 && b.probe == b.name) {
            lasts = "no forecast";
        }
        out += fmt::format("<li>Balance {}: <b>{}</b> <span class=\"{}\">{}{}</span></li>",
                           html_escape(b.name), amount(b.balance), cls,
                           cls == "ok" ? "" : (cls == "bad" ? "✖ " : "▲ "), lasts);
    }
    out += "</ul>\n";
}

void render_provider(std::string& out, const WallProvider& p, const WallSnapshot& snap) {
    const auto state = to_string(p.state);
    out += fmt::format("<section class=\"card {0}\" data-provider=\"{1}\" data-state=\"{0}\">\n",
                       state, html_escape(p.id));
    out += fmt::format("<div class=\"state\">{} {}</div>\n",
                       core::name_of(kStateIcons, p.state, "?"), upper(state));
    out += fmt::format("<div class=\"name\">{}</div><div class=\"id\">{}</div>\n",
                       html_escape(p.name), html_escape(p.id));
    if (!p.state_reason.empty()) {
        out += fmt::format("<div class=\"reason\">{}</div>\n", html_escape(p.state_reason));
    }
    render_probes(out, p);
    render_charts(out, p, snap);
    render_balances(out, p);
    out += "</section>\n";
}

std::string point(double x, double y) { return fmt::format("{:.1f},{:.1f} ", x, y); }

}  // namespace

std::string format_age(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
    const auto s = static_cast<long long>(seconds);
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m", s / 60);
    if (s < 86400) {
        return s % 3600 / 60 == 0 ? fmt::format("{}h", s / 3600)
                                  : fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
    }
    return s % 86400 / 3600 == 0 ? fmt::format("{}d", s / 86400)
                                 : fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string render_sparkline(const Sparkline& c) {
    const double span = std::max(1.0, std::chrono::duration<double>(c.span).count());
    const double range = c.hi > c.lo ? c.hi - c.lo : 1.0;
    auto x_of = [&](core::TimePoint t) {
        const double back = std::chrono::duration<double>(c.end - t).count();
        return std::clamp(kChartWidth * (1.0 - back / span), 0.0, kChartWidth);
    };
    auto y_of = [&](double v) {
        return std::clamp(kChartHeight - 2 - (v - c.lo) / range * (kChartHeight - 4), 0.0,
                          kChartHeight);
    };
    std::string out = fmt::format(
        R"(<svg viewBox="0 0 {:.0f} {:.0f}" role="img" aria-label="{}"><title>{}</title>)",
        kChartWidth, kChartHeight, html_escape(c.label), html_escape(c.label));
    // The band: one polygon per run of points where both edges are known.
    if (c.band_lo.size() == c.at.size() && c.band_hi.size() == c.at.size()) {
        std::size_t i = 0;
        while (i < c.at.size()) {
            std::size_t j = i;
            while (j < c.at.size() && !std::isnan(c.band_lo[j]) && !std::isnan(c.band_hi[j])) ++j;
            if (j > i) {
                std::string pts;
                const bool single = j - i == 1;
                for (std::size_t k = i; k < j; ++k) pts += point(x_of(c.at[k]), y_of(c.band_hi[k]));
                if (single) pts += point(x_of(c.at[i]) - 3, y_of(c.band_hi[i]));
                for (std::size_t k = j; k-- > i;) pts += point(x_of(c.at[k]), y_of(c.band_lo[k]));
                if (single) pts += point(x_of(c.at[i]) - 3, y_of(c.band_lo[i]));
                out += fmt::format(R"(<polygon points="{}" fill="#2e7d32" fill-opacity="0.35"/>)",
                                   pts);
            }
            i = std::max(j, i + 1);
        }
    }
    // The line: a polyline per run of known values; a lone value is a dot.
    std::size_t i = 0;
    while (i < c.at.size() && i < c.values.size()) {
        std::size_t j = i;
        while (j < c.values.size() && j < c.at.size() && !std::isnan(c.values[j])) ++j;
        if (j - i == 1) {
            // Inside the frame even at its edges.
            out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="#8ab4f8"/>)",
                               std::clamp(x_of(c.at[i]), 3.0, kChartWidth - 3),
                               std::clamp(y_of(c.values[i]), 3.0, kChartHeight - 3));
        } else if (j > i) {
            std::string pts;
            for (std::size_t k = i; k < j; ++k) pts += point(x_of(c.at[k]), y_of(c.values[k]));
            out += fmt::format(
                R"(<polyline points="{}" fill="none" stroke="#8ab4f8" stroke-width="2.5"/>)", pts);
        }
        i = std::max(j, i + 1);
    }
    out += "</svg>";
    return out;
}

std::string render_status_page(const WallSnapshot& snap, const StatusPageOptions& options) {
    int down = 0;
    int degraded = 0;
    for (const auto& p : snap.providers) {
        if (p.state == ProviderState::down) ++down;
        if (p.state == ProviderState::degraded) ++degraded;
    }
    std::string summary;
    if (down == 0 && degraded == 0) {
        summary = fmt::format("✔ All {} providers up", snap.providers.size());
    } else {
        summary = fmt::format("{} down, {} degraded, {} up", down, degraded,
                              snap.providers.size() - static_cast<std::size_t>(down + degraded));
    }
    std::string out;
    out.reserve(8192 + snap.providers.size() * 4096);
    out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
    out += fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">\n", options.refresh_seconds);
    out += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n";
    // No favicon request: the page loads nothing but itself.
    out += "<link rel=\"icon\" href=\"data:,\">\n";
    out += fmt::format("<title>Noctua: {}</title>\n<style>{}</style></head>\n<body>\n",
                       html_escape(summary), kStyle);
    out += fmt::format(
        "<h1>Noctua status</h1>\n<div class=\"meta\">as of {} · noctua {}{} · "
        "refreshes every {} s</div>\n",
        html_escape(core::format_rfc3339(snap.at)), html_escape(snap.version),
        snap.ready ? "" : " · NOT READY", options.refresh_seconds);
    out += fmt::format("<div class=\"summary {}\">{}</div>\n",
                       down > 0       ? "bad"
                       : degraded > 0 ? "warn"
                                      : "ok",
                       html_escape(summary));
    render_alerts(out, snap);
    out += "<h2>Providers</h2>\n<div class=\"grid\">\n";
    // Down first, then degraded, in config order within each.
    for (auto want : {ProviderState::down, ProviderState::degraded, ProviderState::up}) {
        for (const auto& p : snap.providers) {
            if (p.state == want) render_provider(out, p, snap);
        }
    }
    out += "</div>\n";
    out += fmt::format(
        "<footer>{} notification(s) waiting for delivery · "
        "<a href=\"/metrics\">/metrics</a> · "
        "<a href=\"/api/v1/status\">/api/v1/status</a> · "
        "<a href=\"/api/v1/alerts\">/api/v1/alerts</a></footer>\n",
        snap.notifications_pending);
    out += "</body></html>\n";
    return out;
}

}  // namespace noctua::daemon
