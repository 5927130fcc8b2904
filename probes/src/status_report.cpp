// The daily status report in text, JSON, Markdown, HTML and JUnit XML.
#include "noctua/probes/status_report.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "noctua/core/json.hpp"

namespace noctua::probes {
namespace {

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

std::string change_text(const CatalogueChange& c) {
    if (c.change == "added") return fmt::format("added {} ({}) {}", c.name, c.id, c.after);
    if (c.change == "removed") return fmt::format("removed {} ({}) {}", c.name, c.id, c.before);
    if (c.change == "renamed") return fmt::format("renamed {} ({}): {} -> {}", c.name, c.id, c.before, c.after);
    return fmt::format("repriced {} ({}): {} -> {}", c.name, c.id, c.before, c.after);
}

std::string text(const StatusReport& r) {
    std::string out = fmt::format("Provider status report {} ({})\n", r.date, r.success() ? "all passed" : "FAILURES");
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

std::string json(const StatusReport& r) {
    core::JsonWriter w;
    w.begin_object().field("date", r.date).field("generated", core::format_rfc3339(r.generated)).field("success", r.success());
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
        w.key("balance");
        if (s.balance) w.value(*s.balance);
        else w.null();
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
        if (auto it = r.facts.find(s.provider); it != r.facts.end()) {
            const auto& f = it->second;
            const auto opt = [&w](std::string_view k, std::optional<double> v) {
                w.key(k);
                if (v) w.value(*v);
                else w.null();
            };
            w.key("daemon").begin_object();
            opt("availability", f.availability);
            opt("success_ratio", f.success_ratio);
            opt("traffic_observed", f.traffic_observed);
            opt("traffic_expected", f.traffic_expected);
            w.key("alerts").begin_array();
            for (const auto& a : f.alerts) {
                w.begin_object().field("name", a.name).field("state", a.state)
                    .field("starts", core::format_rfc3339(a.starts))
                    .field("duration_seconds", static_cast<std::int64_t>(a.duration.count())).end_object();
            }
            w.end_array().end_object();
        }
        w.end_object();
    }
    w.end_array().end_object();
    return std::move(w).str();
}

std::string markdown(const StatusReport& r) {
    std::string out = fmt::format("# Provider status {}\n\n{}\n", r.date,
                                  r.success() ? "All providers passed." : "**Some providers failed.**");
    for (const auto& s : r.results) {
        out += fmt::format("\n## {} ({}) {}\n\n", md_escape(s.provider_name), md_escape(s.provider),
                           s.success ? "passed" : "FAILED at " + md_escape(s.failed_step));
        out += "| step | result | time | detail |\n|---|---|---|---|\n";
        for (const auto& st : s.steps) {
            out += fmt::format("| {} | {} | {:.3f} s | {} |\n", md_escape(st.name), step_state(st),
                               seconds(st.duration), md_escape(st.message));
        }
        if (s.balance) out += fmt::format("\nBalance: {:.2f} {}\n", *s.balance, md_escape(s.currency));
        if (auto it = r.facts.find(s.provider); it != r.facts.end()) {
            out += fmt::format("\nAvailability (probes): {}; success ratio: {}; alerts today: {}\n",
                               percent(it->second.availability), percent(it->second.success_ratio),
                               it->second.alerts.size());
        }
        if (s.catalogue_baseline) out += "\nCatalogue: first run, kept as the baseline.\n";
        else if (s.catalogue && s.catalogue_changes.empty()) out += "\nCatalogue: unchanged.\n";
        for (const auto& c : s.catalogue_changes) out += "- " + md_escape(change_text(c)) + "\n";
    }
    return out;
}

/// Bars of `values` scaled to the largest, as an inline SVG.
std::string sparkline(const std::vector<double>& values, const std::vector<bool>& bad) {
    const double top = values.empty() ? 1 : std::max(*std::max_element(values.begin(), values.end()), 1e-9);
    std::string out = fmt::format(R"(<svg class="spark" width="{}" height="24" viewBox="0 0 {} 24" role="img">)",
                                  values.size() * 12, values.size() * 12);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double h = std::max(2.0, 22.0 * values[i] / top);
        out += fmt::format(R"(<rect x="{}" y="{:.1f}" width="9" height="{:.1f}" fill="{}"/>)", i * 12, 23 - h, h,
                           i < bad.size() && bad[i] ? "#d64545" : "#2e9e5b");
    }
    return out + "</svg>";
}

std::string html(const StatusReport& r) {
    std::string out = fmt::format(
        R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Provider status {0}</title>)"
        R"(<style>body{{font-family:sans-serif;margin:2em;background:#fafafa;color:#222}})"
        R"(section{{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}})"
        R"(.pass{{color:#2e9e5b}}.fail{{color:#d64545}}table{{border-collapse:collapse}})"
        R"(td,th{{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}}</style></head><body>)"
        R"(<h1>Provider status {0}</h1><p class="{1}">{2}</p>)",
        xml_escape(r.date), r.success() ? "pass" : "fail",
        r.success() ? "All providers passed." : "Some providers failed.");
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
                           s.success ? "passed" : "failed at " + xml_escape(s.failed_step), sparkline(times, bad));
        out += "<table><tr><th>step</th><th>result</th><th>time</th><th>detail</th></tr>";
        for (const auto& st : s.steps) {
            out += fmt::format(R"(<tr><td>{}</td><td class="{}">{}</td><td>{:.3f} s</td><td>{}</td></tr>)",
                               xml_escape(st.name), st.success ? "pass" : "fail", step_state(st),
                               seconds(st.duration), xml_escape(st.message));
        }
        out += "</table>";
        if (s.balance) out += fmt::format("<p>Balance {:.2f} {}</p>", *s.balance, xml_escape(s.currency));
        if (auto it = r.facts.find(s.provider); it != r.facts.end()) {
            const auto& f = it->second;
            std::vector<bool> down;
            for (double p : f.availability_points) down.push_back(p < 1);
            out += fmt::format("<p>Availability {} {} · success ratio {} · alerts today {}</p>",
                               percent(f.availability), sparkline(f.availability_points, down),
                               percent(f.success_ratio), f.alerts.size());
            for (const auto& a : f.alerts) {
                out += fmt::format("<p>Alert {} {} for {} s</p>", xml_escape(a.name), xml_escape(a.state),
                                   a.duration.count());
            }
        }
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
        case ReportFormat::html: return html(report);
    }
    return text(report);
}

}  // namespace noctua::probes
