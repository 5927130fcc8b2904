// The daily status report in text, JSON, Markdown and JUnit XML (HTML: status_report_html.cpp).
#include "noctua/probes/status_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "noctua/core/json.hpp"
#include "report_text.hpp"

namespace noctua::probes {

namespace detail {

double seconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1e6; }

std::string step_state(const StepResult& s) { return s.skipped ? "skipped" : s.success ? "passed" : "failed"; }

std::string xml_escape(std::string_view in) {
    std::string out;
    for (char c : in) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // Control characters are not allowed in XML 1.0.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
                else out += c;
        }
    }
    return out;
}

std::string md_escape(std::string_view in) {
    std::string out;
    for (char c : in) {
        if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' || c == ']') out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out;
}

std::string percent(std::optional<double> v) { return v ? fmt::format("{:.2f}%", *v * 100) : "n/a"; }

std::string probes_text(std::optional<double> availability) {
    return availability ? percent(availability) + " of runs passed" : "no probe runs";
}

std::string millis(std::optional<double> v) { return v ? fmt::format("{:.0f} ms", *v) : "n/a"; }

std::string span_text(double s) {
    const auto total = static_cast<long long>(std::llround(std::max(0.0, s)));
    if (total < 60) return fmt::format("{}s", total);
    if (total < 3600) return fmt::format("{}m", total / 60);
    if (total < 86400) return fmt::format("{}h {}m", total / 3600, total % 3600 / 60);
    return fmt::format("{}d {}h", total / 86400, total % 86400 / 3600);
}

std::string number(double v) {
    if (std::abs(v - std::round(v)) < 1e-9) return fmt::format("{:.0f}", v);
    return fmt::format("{:.2f}", v);
}

std::string change_text(const CatalogueChange& c) {
    if (c.change == "added") return fmt::format("added {} ({}) {}", c.name, c.id, c.after);
    if (c.change == "removed") return fmt::format("removed {} ({}) {}", c.name, c.id, c.before);
    if (c.change == "renamed") return fmt::format("renamed {} ({}): {} -> {}", c.name, c.id, c.before, c.after);
    return fmt::format("repriced {} ({}): {} -> {}", c.name, c.id, c.before, c.after);
}

std::string stream_text(const std::optional<StreamFacts>& s) {
    if (!s) return "no transactions in the last 24 h";
    return fmt::format("{} transactions in the last 24 h, success ratio {} ({} judged), latency p50 {} "
                       "p95 {} p99 {}",
                       s->transactions, percent(s->success_ratio), s->judged, millis(s->latency_p50_ms),
                       millis(s->latency_p95_ms), millis(s->latency_p99_ms));
}

std::string traffic_text(const std::optional<TrafficFacts>& t) {
    if (!t) return "no traffic baseline yet";
    return fmt::format("{} of {} expected ({:.0f}%, {} baseline, {:.0f}% of the 24 h covered)", number(t->observed),
                       number(t->expected), t->expected > 0 ? t->observed / t->expected * 100 : 0.0, t->baseline,
                       t->coverage * 100);
}

std::string balance_text(const BalanceFacts& b) {
    std::string out = fmt::format("{} {:.2f}", b.name, b.balance);
    if (b.burn_per_hour > 0) out += fmt::format(", spending {:.2f}/h", b.burn_per_hour);
    out += b.exhaustion_seconds ? fmt::format(", lasts {}", span_text(*b.exhaustion_seconds))
                                : std::string(", no exhaustion forecast");
    if (b.refill_level) out += fmt::format(" (usually refilled near {:.2f})", *b.refill_level);
    return out;
}

std::string alert_text(const AlertFacts& a) {
    const auto hhmm = [](core::TimePoint t) { return core::format_rfc3339(t).substr(11, 5); };
    std::string out = a.name;
    if (!a.severity.empty()) out += fmt::format(" ({})", a.severity);
    const double d = static_cast<double>(a.duration.count());
    if (a.ends) {
        out += fmt::format(" resolved after {}, {}-{} UTC", span_text(d), hhmm(a.starts), hhmm(*a.ends));
    } else {
        out += fmt::format(" firing for {}, since {} UTC", span_text(d), hhmm(a.starts));
    }
    return out;
}

}  // namespace detail

namespace {

using namespace detail;

const ProviderFacts* facts_of(const StatusReport& r, const std::string& provider) {
    auto it = r.facts.find(provider);
    return it == r.facts.end() ? nullptr : &it->second;
}

std::string text(const StatusReport& r) {
    std::string out = fmt::format("Provider status report {} ({})\n", r.date, r.success() ? "all passed" : "FAILURES");
    if (!r.from_daemon) out += fmt::format("{}\n", kNoDaemonNote);
    for (const auto& s : r.results) {
        out += fmt::format("\n{} [{}] {}: {} in {:.3f}s\n", s.provider_name, s.provider, s.suite,
                           s.success ? "PASS" : "FAIL", seconds(s.duration));
        for (const auto& st : s.steps) {
            out += fmt::format("  {:<12} {:<7} {:>8.3f}s  {}\n", st.name, step_state(st), seconds(st.duration),
                               st.message);
        }
        if (s.balance) out += fmt::format("  balance {:.2f} {}\n", *s.balance, s.currency);
        if (s.catalogue) out += fmt::format("  catalogue {} operators\n", s.catalogue->size());
        for (const auto& c : s.catalogue_changes) out += "  catalogue: " + change_text(c) + "\n";
        if (const auto* f = facts_of(r, s.provider)) {
            out += fmt::format("  probes: {}\n", probes_text(f->availability));
            out += fmt::format("  stream: {}\n", stream_text(f->stream));
            out += fmt::format("  traffic: {}\n", traffic_text(f->traffic));
            for (const auto& b : f->balances) out += fmt::format("  balance forecast: {}\n", balance_text(b));
            if (f->alerts.empty()) out += "  alerts: none in the last 24 h\n";
            for (const auto& a : f->alerts) out += fmt::format("  alert: {}\n", alert_text(a));
        }
    }
    return out;
}

void json_steps(core::JsonWriter& w, const SuiteResult& s) {
    w.key("steps").begin_array();
    for (const auto& st : s.steps) {
        w.begin_object()
            .field("name", st.name)
            .field("result", step_state(st))
            .field("duration_seconds", seconds(st.duration))
            .field("attempts", st.attempts)
            .field("http_status", st.http_status)
            .field("reason", st.failure_reason)
            .field("message", st.message)
            .end_object();
    }
    w.end_array();
}

void json_opt(core::JsonWriter& w, std::string_view k, std::optional<double> v) {
    w.key(k);
    if (v) w.value(*v);
    else w.null();
}

void json_points(core::JsonWriter& w, std::string_view k, const std::vector<double>& points) {
    w.key(k).begin_array();
    for (double p : points) w.value(p);  // NaN: null
    w.end_array();
}

void json_facts(core::JsonWriter& w, const ProviderFacts& f) {
    w.key("daemon").begin_object();
    json_opt(w, "availability", f.availability);
    w.key("stream");
    if (const auto& s = f.stream) {
        w.begin_object().field("transactions", s->transactions).field("judged", s->judged);
        json_opt(w, "success_ratio", s->success_ratio);
        json_opt(w, "latency_p50_ms", s->latency_p50_ms);
        json_opt(w, "latency_p95_ms", s->latency_p95_ms);
        json_opt(w, "latency_p99_ms", s->latency_p99_ms);
        json_points(w, "success_points", s->success_points);
        json_points(w, "volume_points", s->volume_points);
        w.end_object();
    } else {
        w.null();
    }
    w.key("traffic");
    if (const auto& t = f.traffic) {
        w.begin_object().field("observed", t->observed).field("expected", t->expected);
        json_opt(w, "ratio", t->expected > 0 ? std::optional(t->observed / t->expected) : std::nullopt);
        w.field("coverage", t->coverage).field("baseline", t->baseline);
        json_points(w, "observed_points", t->observed_points);
        json_points(w, "expected_points", t->expected_points);
        w.end_object();
    } else {
        w.null();
    }
    w.key("balances").begin_array();
    for (const auto& b : f.balances) {
        w.begin_object().field("name", b.name).field("balance", b.balance).field("burn_per_hour", b.burn_per_hour);
        json_opt(w, "exhaustion_seconds", b.exhaustion_seconds);
        json_opt(w, "refill_level", b.refill_level);
        w.end_object();
    }
    w.end_array();
    w.key("alerts").begin_array();
    for (const auto& a : f.alerts) {
        w.begin_object().field("name", a.name).field("severity", a.severity).field("state", a.state)
            .field("starts", core::format_rfc3339(a.starts));
        w.key("ends");
        if (a.ends) w.value(core::format_rfc3339(*a.ends));
        else w.null();
        w.field("duration_seconds", static_cast<std::int64_t>(a.duration.count())).end_object();
    }
    w.end_array().end_object();
}

std::string json(const StatusReport& r) {
    core::JsonWriter w;
    w.begin_object().field("date", r.date).field("generated", core::format_rfc3339(r.generated)).field("success", r.success())
        .field("from_daemon", r.from_daemon);
    w.key("providers").begin_array();
    for (const auto& s : r.results) {
        w.begin_object()
            .field("provider", s.provider)
            .field("name", s.provider_name)
            .field("suite", s.suite)
            .field("success", s.success)
            .field("started", core::format_rfc3339(s.started))
            .field("duration_seconds", seconds(s.duration))
            .field("failed_step", s.failed_step)
            .field("reason", s.reason)
            .field("message", s.message);
        json_steps(w, s);
        json_opt(w, "balance", s.balance);
        w.field("currency", s.currency);
        w.key("catalogue_size");
        if (s.catalogue) w.value(static_cast<std::uint64_t>(s.catalogue->size()));
        else w.null();
        w.field("catalogue_baseline", s.catalogue_baseline);
        w.key("catalogue_changes").begin_array();
        for (const auto& c : s.catalogue_changes) {
            w.begin_object().field("change", c.change).field("id", c.id).field("name", c.name)
                .field("before", c.before).field("after", c.after).end_object();
        }
        w.end_array();
        if (const auto* f = facts_of(r, s.provider)) json_facts(w, *f);
        w.end_object();
    }
    w.end_array().end_object();
    return std::move(w).str();
}

std::string markdown(const StatusReport& r) {
    std::string out = fmt::format("# Provider status {}\n\n{}\n", r.date,
                                  r.success() ? "All providers passed." : "**Some providers failed.**");
    if (!r.from_daemon) out += fmt::format("\n_{}_\n", md_escape(kNoDaemonNote));
    for (const auto& s : r.results) {
        out += fmt::format("\n## {} ({}) {}\n\n", md_escape(s.provider_name), md_escape(s.provider),
                           s.success ? "passed" : "FAILED at " + md_escape(s.failed_step));
        out += "| step | result | time | detail |\n|---|---|---|---|\n";
        for (const auto& st : s.steps) {
            out += fmt::format("| {} | {} | {:.3f} s | {} |\n", md_escape(st.name), step_state(st),
                               seconds(st.duration), md_escape(st.message));
        }
        if (s.balance) out += fmt::format("\nBalance: {:.2f} {}\n", *s.balance, md_escape(s.currency));
        if (const auto* f = facts_of(r, s.provider)) {
            out += "\nLast 24 h:\n\n";
            out += fmt::format("- Probes: {}\n", probes_text(f->availability));
            out += fmt::format("- Stream: {}\n", md_escape(stream_text(f->stream)));
            out += fmt::format("- Traffic: {}\n", md_escape(traffic_text(f->traffic)));
            for (const auto& b : f->balances) out += fmt::format("- Balance: {}\n", md_escape(balance_text(b)));
            if (f->alerts.empty()) out += "- Alerts: none\n";
            for (const auto& a : f->alerts) out += fmt::format("- Alert: {}\n", md_escape(alert_text(a)));
        }
        if (s.catalogue_baseline) out += "\nCatalogue: first run, kept as the baseline.\n";
        else if (s.catalogue && s.catalogue_changes.empty()) out += "\nCatalogue: unchanged.\n";
        else if (!s.catalogue_changes.empty()) out += "\nCatalogue changes:\n\n";
        for (const auto& c : s.catalogue_changes) out += "- " + md_escape(change_text(c)) + "\n";
    }
    return out;
}

/// JUnit properties of a provider: what the daemon knows, as name=value pairs.
std::string junit_properties(const ProviderFacts& f) {
    std::vector<std::pair<std::string, std::string>> p;
    const auto add = [&p](std::string name, std::optional<double> v) {
        if (v && std::isfinite(*v)) p.emplace_back(std::move(name), fmt::format("{}", *v));
    };
    add("probes.availability", f.availability);
    if (f.stream) {
        add("stream.transactions", static_cast<double>(f.stream->transactions));
        add("stream.success_ratio", f.stream->success_ratio);
        add("stream.latency_p50_ms", f.stream->latency_p50_ms);
        add("stream.latency_p95_ms", f.stream->latency_p95_ms);
        add("stream.latency_p99_ms", f.stream->latency_p99_ms);
    }
    if (f.traffic) {
        add("traffic.observed", f.traffic->observed);
        add("traffic.expected", f.traffic->expected);
        if (f.traffic->expected > 0) add("traffic.ratio", f.traffic->observed / f.traffic->expected);
    }
    for (const auto& b : f.balances) {
        add("balance." + b.name, b.balance);
        add("balance." + b.name + ".exhaustion_seconds", b.exhaustion_seconds);
    }
    add("alerts", static_cast<double>(f.alerts.size()));
    add("alerts.firing", static_cast<double>(std::count_if(f.alerts.begin(), f.alerts.end(),
                                                           [](const AlertFacts& a) { return !a.ends; })));
    std::string out = "    <properties>\n";
    for (const auto& [name, value] : p) {
        out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(name), xml_escape(value));
    }
    return out + "    </properties>\n";
}

std::string junit(const StatusReport& r) {
    std::size_t tests = 0;
    std::size_t failures = 0;
    for (const auto& s : r.results) {
        for (const auto& st : s.steps) {
            ++tests;
            if (!st.success && !st.skipped) ++failures;
        }
    }
    std::string out = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<testsuites name=\"provider status {}\" tests=\"{}\" failures=\"{}\">\n",
                                  xml_escape(r.date), tests, failures);
    for (const auto& s : r.results) {
        std::size_t f = 0;
        std::size_t skipped = 0;
        for (const auto& st : s.steps) {
            f += !st.success && !st.skipped ? 1 : 0;
            skipped += st.skipped ? 1 : 0;
        }
        out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\" "
                           "timestamp=\"{}\">\n",
                           xml_escape(s.provider), s.steps.size(), f, skipped, seconds(s.duration),
                           core::format_rfc3339(s.started));
        if (const auto* facts = facts_of(r, s.provider)) out += junit_properties(*facts);
        for (const auto& st : s.steps) {
            out += fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3f}\"",
                               xml_escape(s.provider), xml_escape(s.suite), xml_escape(st.name), seconds(st.duration));
            if (st.success) {
                out += "/>\n";
            } else if (st.skipped) {
                out += "><skipped/></testcase>\n";
            } else {
                out += fmt::format("><failure type=\"{}\" message=\"{}\"/></testcase>\n", xml_escape(st.failure_reason),
                                   xml_escape(st.message));
            }
        }
        out += "  </testsuite>\n";
    }
    return out + "</testsuites>\n";
}

}  // namespace

bool StatusReport::success() const {
    return std::all_of(results.begin(), results.end(), [](const SuiteResult& s) { return s.success; });
}

core::Result<ReportFormat> parse_report_format(std::string_view name) {
    if (name == "text") return ReportFormat::text;
    if (name == "json") return ReportFormat::json;
    if (name == "junit") return ReportFormat::junit;
    if (name == "markdown") return ReportFormat::markdown;
    if (name == "html") return ReportFormat::html;
    return core::fail(core::Errc::invalid_argument,
                      fmt::format("unknown format \"{}\" (known: html, json, junit, markdown, text)", name));
}

std::string_view report_extension(ReportFormat format) {
    switch (format) {
        case ReportFormat::text: return "txt";
        case ReportFormat::json: return "json";
        case ReportFormat::junit: return "xml";
        case ReportFormat::markdown: return "md";
        case ReportFormat::html: return "html";
    }
    return "txt";
}

std::string render_report(const StatusReport& report, ReportFormat format) {
    switch (format) {
        case ReportFormat::text: return text(report);
        case ReportFormat::json: return json(report);
        case ReportFormat::junit: return junit(report);
        case ReportFormat::markdown: return markdown(report);
        case ReportFormat::html: return html_report(report);
    }
    return text(report);
}

}  // namespace noctua::probes
