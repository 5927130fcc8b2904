#pragma once

// Private to noctua::daemon: status-test suites run together, their catalogues compared with
// the last run's, the day's report written and served, and their metrics. Used by the daemon
// (on schedule and POST /api/v1/status-tests/run) and by `noctua test-providers`.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/alerts/alert.hpp"
#include "noctua/alerts/notification.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/cron.hpp"
#include "noctua/probes/scheduler.hpp"
#include "noctua/probes/status_report.hpp"
#include "noctua/probes/status_test.hpp"

namespace noctua::daemon {

/// The status-test metrics (docs/status-tests.md). Thread-safe (prometheus-cpp).
struct StatusTestMetrics {
    explicit StatusTestMetrics(prometheus::Registry& registry);
    /// Sets the gauges of one result and counts its catalogue changes.
    void record(const probes::SuiteResult& result);

    prometheus::Family<prometheus::Gauge>& success;        ///< {provider,suite,step}
    prometheus::Family<prometheus::Gauge>& duration;       ///< {provider,suite,step}
    prometheus::Family<prometheus::Gauge>& last_run;       ///< {provider,suite}
    prometheus::Family<prometheus::Counter>& changes;      ///< {provider,change}
    prometheus::Family<prometheus::Gauge>& next_run;       ///< {provider,suite}
};

/// Writes `report` as reports/<date>.{json,html,md,xml} under `dir` and deletes reports
/// older than `retention` (by the date in their name, against `now`). Blocking file I/O.
[[nodiscard]] core::Result<void> keep_report(const std::string& dir, const probes::StatusReport& report,
                                             core::Duration retention, core::TimePoint now);
/// The kept report of `date` (YYYY-MM-DD) in `format`, or not_found.
[[nodiscard]] core::Result<std::string> read_report(const std::string& dir, std::string_view date,
                                                    probes::ReportFormat format);
/// The dates of the kept reports, newest first.
[[nodiscard]] std::vector<std::string> list_reports(const std::string& dir);

/// The summary of a run posted to receivers: one alert `alertname="StatusReport"` (severity
/// `info` when every suite passed, else `warning`) whose `summary` says how many providers
/// passed and which failed at which step, `description` one line per provider, and
/// `report_url` and `dashboard_url` the link to the day's HTML report under `link_base`. It is
/// sent as firing, so receivers with send_resolved = false get it too.
[[nodiscard]] alerts::Notification summary_notification(const probes::StatusReport& run, std::string receiver,
                                                        std::string_view link_base, core::TimePoint now);

/// Runs the configured suites. Executor: `strand` (every method must be called on it, and
/// `done` callbacks run on it); catalogue and report files are written on `blocking`.
class StatusTestRunner {
public:
    using Done = std::function<void(probes::StatusReport)>;
    /// Adds what the daemon knows per provider to a report and hands it to the continuation,
    /// which must run on the strand; called on the strand. May be empty.
    using Facts = std::function<void(probes::StatusReport, Done)>;
    /// Queues a run's summary for a receiver (the daemon: the durable outbox); on the strand.
    /// May be empty.
    using Notify = std::function<void(alerts::Notification)>;

    StatusTestRunner(boost::asio::any_io_executor strand, boost::asio::any_io_executor blocking,
                     const probes::SuiteRegistry& registry, probes::ProbeContext context,
                     StatusTestMetrics* metrics, Facts facts, Notify notify = {});
    ~StatusTestRunner();
    StatusTestRunner(const StatusTestRunner&) = delete;
    StatusTestRunner& operator=(const StatusTestRunner&) = delete;

    /// Replaces the suites (a run in flight finishes with the old ones) and, once
    /// start_schedules() was called, arms their schedules. Errors: a suite its kind refuses
    /// (the message names it); nothing is replaced then.
    [[nodiscard]] core::Result<void> configure(const std::vector<config::StatusTestConfig>& suites,
                                               const config::StatusReportsConfig& reports);
    /// Runs the suites of `provider` (every suite when empty) at once, compares catalogues,
    /// keeps the day's report (every suite's latest result), queues the run's summary for
    /// [status_reports].receivers and the suites' `notify`, then calls `done` with the report
    /// of this run. False when no suite matches.
    bool run(const std::string& provider, Done done);
    /// Arms each suite's cron schedule; scheduled runs keep the report like run().
    void start_schedules();
    void stop();
    /// The state directory of the reports ("" when none is kept).
    [[nodiscard]] const std::string& reports_dir() const { return reports_.dir; }

private:
    struct Entry;
    struct Batch;
    void arm(std::shared_ptr<Entry> e);
    void finish(std::shared_ptr<Batch> batch);
    void publish(std::shared_ptr<Batch> batch, probes::StatusReport day);

    boost::asio::any_io_executor strand_;
    boost::asio::any_io_executor blocking_;
    const probes::SuiteRegistry& registry_;
    probes::ProbeContext context_;
    StatusTestMetrics* metrics_;
    Facts facts_;
    Notify notify_;
    config::StatusReportsConfig reports_;
    std::vector<std::shared_ptr<Entry>> entries_;
    std::map<std::string, probes::SuiteResult> latest_;  ///< by suite id: the day's report
    bool scheduling_ = false;
    bool stopped_ = false;
};

/// The daemon's status tests: their metrics and runner, built together.
struct StatusTests {
    StatusTests(prometheus::Registry& registry, boost::asio::any_io_executor strand,
                boost::asio::any_io_executor blocking, const probes::SuiteRegistry& suites,
                probes::ProbeContext context, StatusTestRunner::Facts facts, StatusTestRunner::Notify notify)
        : metrics(registry),
          runner(std::move(strand), std::move(blocking), suites, context, &metrics, std::move(facts),
                 std::move(notify)) {}
    StatusTestMetrics metrics;
    StatusTestRunner runner;
};

}  // namespace noctua::daemon
