#include "status_tests.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "noctua/core/json.hpp"
#include "noctua/core/log.hpp"
#include "routes.hpp"

namespace noctua::daemon {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr probes::ReportFormat kKept[] = {probes::ReportFormat::json, probes::ReportFormat::html,
                                          probes::ReportFormat::markdown, probes::ReportFormat::junit};

std::string day_of(core::TimePoint t) { return core::format_rfc3339(t).substr(0, 10); }

bool is_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

StatusTestMetrics::StatusTestMetrics(prometheus::Registry& registry)
    : success(prometheus::BuildGauge()
                  .Name("noctua_status_test_success")
                  .Help("1 when the step passed in the suite's last run, 0 when it failed or was skipped")
                  .Register(registry)),
      duration(prometheus::BuildGauge()
                   .Name("noctua_status_test_duration_seconds")
                   .Help("Time the step took in the suite's last run; step=\"all\" for the whole suite")
                   .Register(registry)),
      last_run(prometheus::BuildGauge()
                   .Name("noctua_status_test_last_run_timestamp_seconds")
                   .Help("When the suite last ran (Unix time)")
                   .Register(registry)),
      changes(prometheus::BuildCounter()
                  .Name("noctua_catalogue_changes_total")
                  .Help("Catalogue changes seen by status tests: operators added, removed, renamed, repriced")
                  .Register(registry)),
      next_run(prometheus::BuildGauge()
                   .Name("noctua_status_test_next_run_timestamp_seconds")
                   .Help("When the suite's schedule runs it next (Unix time)")
                   .Register(registry)) {}

void StatusTestMetrics::record(const probes::SuiteResult& r) {
    for (const auto& s : r.steps) {
        const std::map<std::string, std::string> labels{{"provider", r.provider}, {"suite", r.suite}, {"step", s.name}};
        success.Add(labels).Set(s.success ? 1 : 0);
        duration.Add(labels).Set(static_cast<double>(s.duration.count()) / 1e6);
    }
    duration.Add({{"provider", r.provider}, {"suite", r.suite}, {"step", "all"}})
        .Set(static_cast<double>(r.duration.count()) / 1e6);
    last_run.Add({{"provider", r.provider}, {"suite", r.suite}})
        .Set(std::chrono::duration<double>(r.started.time_since_epoch()).count());
    for (const auto change : probes::kCatalogueChanges) {
        auto& c = changes.Add({{"provider", r.provider}, {"change", std::string(change)}});
        for (const auto& ch : r.catalogue_changes) {
            if (ch.change == change) c.Increment();
        }
    }
}

core::Result<void> keep_report(const std::string& dir, const probes::StatusReport& report,
                               core::Duration retention, core::TimePoint now) {
    if (dir.empty()) return {};
    const fs::path folder = fs::path(dir) / "reports";
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return core::fail(core::Errc::io, fmt::format("{}: {}", folder.string(), ec.message()));
    for (const auto format : kKept) {
        const fs::path file = folder / fmt::format("{}.{}", report.date, probes::report_extension(format));
        const fs::path tmp = file.string() + ".tmp";
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out << probes::render_report(report, format);
            if (!out.flush()) return core::fail(core::Errc::io, fmt::format("{}: cannot write", tmp.string()));
        }
        fs::rename(tmp, file, ec);
        if (ec) return core::fail(core::Errc::io, fmt::format("{}: {}", file.string(), ec.message()));
    }
    // Retention by the date in the name: a report of a day older than `retention` goes.
    const std::string oldest = day_of(now - retention);
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const auto stem = entry.path().stem().string();
        if (is_date(stem) && stem < oldest) fs::remove(entry.path(), ec);
    }
    return {};
}

core::Result<std::string> read_report(const std::string& dir, std::string_view date, probes::ReportFormat format) {
    if (dir.empty() || !is_date(date)) return core::fail(core::Errc::not_found, "no such report");
    std::ifstream in(fs::path(dir) / "reports" / fmt::format("{}.{}", date, probes::report_extension(format)),
                     std::ios::binary);
    if (!in) return core::fail(core::Errc::not_found, fmt::format("no report for {}", date));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> list_reports(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (dir.empty()) return out;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "reports", ec)) {
        const auto stem = entry.path().stem().string();
        if (entry.path().extension() == ".json" && is_date(stem)) out.push_back(stem);
    }
    std::sort(out.rbegin(), out.rend());
    return out;
}

alerts::Notification summary_notification(const probes::StatusReport& run, std::string receiver,
                                          std::string_view link_base, core::TimePoint now) {
    std::size_t passed = 0;
    std::string failed;
    std::string description;
    for (const auto& r : run.results) {
        passed += r.success ? 1 : 0;
        if (!r.success) failed += fmt::format("{}{} at {}", failed.empty() ? "" : ", ", r.provider, r.failed_step);
        std::string line = r.success ? fmt::format("{}: passed", r.provider)
                                     : fmt::format("{}: FAILED at {}: {}", r.provider, r.failed_step, r.message);
        if (!r.catalogue_changes.empty()) line += fmt::format("; {} catalogue change(s)", r.catalogue_changes.size());
        if (auto f = run.facts.find(r.provider); f != run.facts.end()) {
            const auto firing = std::count_if(f->second.alerts.begin(), f->second.alerts.end(),
                                              [](const probes::AlertFacts& a) { return !a.ends; });
            if (firing > 0) line += fmt::format("; {} alert(s) firing", firing);
        }
        description += line + "\n";
    }
    const std::size_t total = run.results.size();
    const bool ok = passed == total;
    const std::string link = fmt::format("{}/api/v1/reports/{}?format=html", link_base, run.date);

    alerts::Alert a;
    a.labels = core::Labels{{"alertname", "StatusReport"}, {"severity", ok ? "info" : "warning"}};
    a.annotations["summary"] =
        ok ? fmt::format("Provider status {}: all {} provider(s) passed", run.date, total)
           : fmt::format("Provider status {}: {} of {} provider(s) failed ({})", run.date, total - passed, total,
                         failed);
    a.annotations["description"] = std::move(description);
    a.annotations["report_url"] = link;
    a.annotations["dashboard_url"] = link;
    a.state = alerts::AlertState::firing;
    a.starts_at = a.updated_at = now;
    auto n = alerts::make_notification(0, std::move(receiver), a, now);
    n.group_key = "{}:{alertname=\"StatusReport\"}";
    return n;
}

struct StatusTestRunner::Entry {
    std::unique_ptr<probes::Suite> suite;
    core::CronSchedule schedule;
    asio::steady_timer timer;
    bool running = false;
    /// The instant the schedule last fired for: the next is after it even when the clock
    /// has not reached it yet (a steady timer may wake a little before the wall clock).
    std::optional<core::TimePoint> fired;
    Entry(std::unique_ptr<probes::Suite> s, core::CronSchedule c, asio::any_io_executor ex)
        : suite(std::move(s)), schedule(std::move(c)), timer(std::move(ex)) {}
};

struct StatusTestRunner::Batch {
    std::vector<probes::SuiteResult> results;
    std::size_t pending = 0;
    Done done;
};

StatusTestRunner::StatusTestRunner(asio::any_io_executor strand, asio::any_io_executor blocking,
                                   const probes::SuiteRegistry& registry, probes::ProbeContext context,
                                   StatusTestMetrics* metrics, Facts facts, Notify notify)
    : strand_(std::move(strand)), blocking_(std::move(blocking)), registry_(registry), context_(context),
      metrics_(metrics), facts_(std::move(facts)), notify_(std::move(notify)) {}

StatusTestRunner::~StatusTestRunner() = default;

core::Result<void> StatusTestRunner::configure(const std::vector<config::StatusTestConfig>& suites,
                                               const config::StatusReportsConfig& reports) {
    std::vector<std::shared_ptr<Entry>> entries;
    for (const auto& c : suites) {
        auto cron = core::CronSchedule::parse(c.schedule, c.timezone);
        if (!cron) return core::fail(cron.error().code, fmt::format("status test {}: {}", c.id, cron.error().message));
        auto suite = registry_.create(c, context_);
        if (!suite) return std::unexpected(suite.error());
        entries.push_back(std::make_shared<Entry>(std::move(*suite), std::move(*cron), strand_));
    }
    for (auto& e : entries_) e->timer.cancel();
    entries_ = std::move(entries);
    reports_ = reports;
    if (scheduling_) start_schedules();
    return {};
}

bool StatusTestRunner::run(const std::string& provider, Done done) {
    auto batch = std::make_shared<Batch>();
    batch->done = std::move(done);
    std::vector<std::shared_ptr<Entry>> chosen;
    for (auto& e : entries_) {
        if (provider.empty() || e->suite->config().provider == provider) chosen.push_back(e);
    }
    if (chosen.empty()) return false;
    batch->pending = chosen.size();
    for (auto& e : chosen) {
        if (e->running) {
            // A run of this suite is in flight: its result goes to the report then.
            if (--batch->pending == 0) finish(batch);
            continue;
        }
        e->running = true;
        e->suite->async_run([this, e, batch](probes::SuiteResult r) {
            asio::post(strand_, [this, e, batch, r = std::move(r)]() mutable {
                e->running = false;
                batch->results.push_back(std::move(r));
                if (--batch->pending == 0) finish(batch);
            });
        });
    }
    return true;
}

void StatusTestRunner::finish(std::shared_ptr<Batch> batch) {
    // Catalogue files off the strand, then back to it for metrics and the report.
    asio::post(blocking_, [this, batch, dir = reports_.dir] {
        for (auto& r : batch->results) {
            if (auto kept = probes::remember_catalogue(dir, r); !kept) {
                core::logger("probes")->warn("status test {}: catalogue not kept: {}", r.suite, kept.error().message);
            }
        }
        asio::post(strand_, [this, batch] {
            const auto now = context_.clock.now();
            // Suites in configuration order, the report's order.
            const auto order = [this](const probes::SuiteResult& a, const probes::SuiteResult& b) {
                const auto pos = [this](const std::string& id) {
                    return std::find_if(entries_.begin(), entries_.end(),
                                        [&](const auto& e) { return e->suite->config().id == id; }) -
                           entries_.begin();
                };
                return pos(a.suite) < pos(b.suite);
            };
            std::sort(batch->results.begin(), batch->results.end(), order);
            for (const auto& r : batch->results) {
                if (metrics_ != nullptr) metrics_->record(r);
                latest_[r.suite] = r;
            }
            probes::StatusReport day;
            day.generated = now;
            day.date = day_of(now);
            for (const auto& [id, r] : latest_) day.results.push_back(r);
            std::sort(day.results.begin(), day.results.end(), order);
            if (!facts_) {
                publish(batch, std::move(day));
                return;
            }
            facts_(std::move(day), [this, batch](probes::StatusReport with_facts) {
                publish(batch, std::move(with_facts));
            });
        });
    });
}

void StatusTestRunner::publish(std::shared_ptr<Batch> batch, probes::StatusReport day) {
    probes::StatusReport run = day;
    run.results = batch->results;
    // Kept first, so the link in the summary leads to a report that exists.
    asio::post(blocking_, [this, batch, day = std::move(day), run = std::move(run), reports = reports_]() mutable {
        if (auto kept = keep_report(reports.dir, day, reports.retention, day.generated); !kept) {
            core::logger("probes")->warn("status report {} not kept: {}", day.date, kept.error().message);
        }
        asio::post(strand_, [this, batch, run = std::move(run), reports = std::move(reports)]() mutable {
            if (notify_ && !run.results.empty()) {
                std::vector<std::string> receivers = reports.receivers;
                for (const auto& r : run.results) {
                    for (const auto& e : entries_) {
                        if (e->suite->config().id != r.suite) continue;
                        receivers.insert(receivers.end(), e->suite->config().notify.begin(),
                                         e->suite->config().notify.end());
                    }
                }
                std::sort(receivers.begin(), receivers.end());
                receivers.erase(std::unique(receivers.begin(), receivers.end()), receivers.end());
                for (auto& name : receivers) {
                    notify_(summary_notification(run, std::move(name), reports.link_base, run.generated));
                }
            }
            if (batch->done) batch->done(std::move(run));
        });
    });
}

void StatusTestRunner::start_schedules() {
    scheduling_ = true;
    for (auto& e : entries_) arm(e);
}

void StatusTestRunner::arm(std::shared_ptr<Entry> e) {
    if (stopped_) return;
    const auto now = context_.clock.now();
    const auto next = e->schedule.next_after(std::max(now, e->fired.value_or(now)));
    if (!next) return;
    if (metrics_ != nullptr) {
        metrics_->next_run.Add({{"provider", e->suite->config().provider}, {"suite", e->suite->config().id}})
            .Set(std::chrono::duration<double>(next->time_since_epoch()).count());
    }
    e->timer.expires_after(std::max(core::Duration::zero(), *next - now));
    e->timer.async_wait([this, e, at = *next](boost::system::error_code ec) {
        if (ec || stopped_) return;
        e->fired = at;
        const std::string id = e->suite->config().id;
        core::logger("probes")->info("status test {} starts on schedule", id);
        auto batch = std::make_shared<Batch>();
        batch->pending = 1;
        if (!e->running) {
            e->running = true;
            e->suite->async_run([this, e, batch](probes::SuiteResult r) {
                asio::post(strand_, [this, e, batch, r = std::move(r)]() mutable {
                    e->running = false;
                    batch->results.push_back(std::move(r));
                    finish(batch);
                });
            });
        }
        arm(e);
    });
}

void StatusTestRunner::stop() {
    stopped_ = true;
    for (auto& e : entries_) e->timer.cancel();
}

void add_status_test_routes(net::Router& r, Services& s) {
    using core::ServerRequest;
    using core::ServerResponse;
    // Runs the suites now (?provider=ID: that provider's) and answers with this run's report.
    add_admin_route(r, s, "POST", "/api/v1/status-tests/run",
                    [&s](const ServerRequest& req, const net::PathParams&,
                         net::Router::Respond respond) {
                        auto* runner = s.status_test_runner();
                        const auto provider = core::query_param(req.query, "provider").value_or("");
                        const bool started =
                            runner != nullptr && runner->run(provider, [respond](probes::StatusReport report) {
                                respond(ServerResponse::json(
                                    200, probes::render_report(report, probes::ReportFormat::json)));
                            });
                        if (!started) {
                            respond(ServerResponse::json_error(
                                404, provider.empty() ? "no status tests are configured"
                                                      : "no status test for provider \"" + provider + "\""));
                        }
                    });
    r.add_async("GET", "/api/v1/reports",
                [&s](const ServerRequest&, const net::PathParams&, net::Router::Respond respond) {
                    s.on_pipeline([&s, respond = std::move(respond)] {
                        auto* runner = s.status_test_runner();
                        std::string dir = runner != nullptr ? runner->reports_dir() : std::string();
                        s.off_loop([dir = std::move(dir), respond] {
                            core::JsonWriter w;
                            w.begin_object().field("status", "success").key("data").begin_array();
                            for (const auto& date : list_reports(dir)) w.value(date);
                            w.end_array().end_object();
                            respond(ServerResponse::json(200, std::move(w).str()));
                        });
                    });
                });
    // ?format=json (default), html, markdown or junit.
    r.add_async("GET", "/api/v1/reports/{date}",
                [&s](const ServerRequest& req, const net::PathParams& params, net::Router::Respond respond) {
                    auto format = probes::parse_report_format(core::query_param(req.query, "format").value_or("json"));
                    if (!format || *format == probes::ReportFormat::text) {
                        respond(ServerResponse::json_error(400, "format must be json, html, markdown or junit"));
                        return;
                    }
                    s.on_pipeline([&s, date = params.at("date"), f = *format, respond = std::move(respond)] {
                        auto* runner = s.status_test_runner();
                        std::string dir = runner != nullptr ? runner->reports_dir() : std::string();
                        s.off_loop([dir = std::move(dir), date, f, respond] {
                            auto text = read_report(dir, date, f);
                            if (!text) {
                                respond(ServerResponse::json_error(404, "no report for " + date));
                                return;
                            }
                            ServerResponse resp = ServerResponse::text(200, std::move(*text));
                            resp.content_type = f == probes::ReportFormat::json       ? "application/json"
                                                : f == probes::ReportFormat::html     ? "text/html; charset=utf-8"
                                                : f == probes::ReportFormat::junit    ? "application/xml"
                                                                                      : "text/markdown; charset=utf-8";
                            if (f == probes::ReportFormat::html) {
                                resp.headers = {{"Content-Security-Policy",
                                                 "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}};
                            }
                            respond(std::move(resp));
                        });
                    });
                });
}

}  // namespace noctua::daemon
