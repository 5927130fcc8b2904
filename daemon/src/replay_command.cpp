#include "replay_command.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "flags.hpp"
#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/detect/replay.hpp"
#include "noctua/streams/event.hpp"
#include "noctua/streams/windows.hpp"
#include "notification_replay.hpp"
#include "rule_evaluator.hpp"

namespace noctua::daemon {

const std::string_view kReplayHelp =
    R"(Usage: noctua replay --input FILE --as volume|success_ratio|latency|balance [options]
       noctua replay --events FILE.ndjson [options]

Backtests detection: reads a recorded series and feeds it, in event time, through the same
detector code the daemon runs, then prints one JSON object per line per alert transition:
  {"at":"2014-11-27T06:30:00Z","alertname":"TrafficLoss","state":"firing","labels":{...},
   "value":0.41,"summary":"..."}
and later the same alert with "state":"resolved". The rules are evaluated exactly as the
daemon evaluates them (one evaluator for both): a firing traffic loss that another firing
alert or the stream volumes explain carries "likely_cause", as the daemon's alert does.

With --notifications the transitions go on through the daemon's alerting pipeline ([route]
tree, grouping, [[inhibit]], [[time_intervals]], group_wait, group_interval, repeat_interval
of --config) on the replay's clock, and what is printed is each notification each receiver
would have received, one JSON object per line:
  {"at":"…","receiver":"noc","group_key":"{}:{provider=\"acme\"}","status":"firing",
   "alerts":3,"firing":3,"resolved":0,"group_labels":{"provider":"acme"},
   "alertnames":["SuccessRateLow"]}
Nothing is sent and nothing is written to disk.

Input: CSV of timestamp,value (NAB) or TimeStamp,Value[,Label] (extra columns ignored), header
optional, times ISO 8601 (quoted or not; naive times are UTC) or Unix seconds. Repeated
timestamps both count; missing ones are gaps, not zeros.

Without --config each kind runs with its shipped defaults (volume: TrafficLoss,
success_ratio: SuccessRateLow, latency: LatencyHigh, balance: BalanceLow); with --config
every [[rules]] entry whose kind consumes the series runs.

With --events the input is raw transactions, one JSON event per line (docs/events.md), in
roughly event-time order: they go through the same stream windows as live ingest ([windows]
of --config, or the defaults), and the closed buckets' samples (volume, success_ratio,
latency_p95, insufficient-balance errors) feed the rules (--config's, or the defaults for
volume, success_ratio, latency and balance). The window's success ratio counts provider
faults only: customer errors (bad phone number, recently recharged) are left out and
insufficient-balance errors go to the balance rule.

Options:
  -i, --input FILE       the CSV series (required unless --events)
      --as KIND          volume | success_ratio | latency | balance (required with --input)
      --events FILE      replay raw transactions (NDJSON) through the stream windows
  -c, --config FILE      take the rules from this configuration file
      --notifications    print the notifications receivers would get (needs --config)
      --label NAME=VALUE label the series (repeatable; default series=<file name>), e.g. to
                         meet a rule's `match`
  -h, --help             this help
Exit codes: 0 ok, 1 unreadable input, 2 bad usage or bad configuration.
)";

namespace {

constexpr int kOk = 0;
constexpr int kRuntimeFailure = 1;
constexpr int kUsage = 2;

int usage(std::string_view msg) {
    fmt::print(stderr, "noctua: {}\nRun 'noctua replay --help' for usage.\n", msg);
    return kUsage;
}

std::optional<std::string> read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

/// Prints transitions as JSON lines, buffered.
class TransitionPrinter {
public:
    ~TransitionPrinter() { flush(); }
    /// One alert transition and the signal behind it: the signal's time, labels and value, the
    /// alert's summary and likely cause (a firing traffic loss), as the daemon would page them.
    void print(const alerts::Alert& alert, const detect::Signal* signal) {
        if (signal == nullptr) return;  // replay resolves nothing by reload
        detect::Signal shown = *signal;
        if (auto s = alert.annotations.find("summary"); s != alert.annotations.end()) {
            shown.summary = s->second;
        }
        std::string cause;
        if (auto c = alert.annotations.find("likely_cause");
            c != alert.annotations.end() && alert.state == alerts::AlertState::firing) {
            cause = c->second;
        }
        line(detect::transition_json(shown, cause));
    }
    /// One line as it is (a notification).
    void line(std::string_view text) {
        out_ += text;
        out_ += '\n';
        if (out_.size() > (1u << 16)) flush();
    }
    void flush() {
        std::fwrite(out_.data(), 1, out_.size(), stdout);
        std::fflush(stdout);
        out_.clear();
    }

private:
    std::string out_;
};

/// Creates the detectors for `rules` that consume any of `measures`.
core::Result<std::vector<std::unique_ptr<detect::Detector>>> make_detectors(
    const std::vector<config::RuleConfig>& rules, std::initializer_list<detect::Measure> measures) {
    detect::DetectorRegistry registry;
    detect::register_builtin_detectors(registry);
    std::vector<std::unique_ptr<detect::Detector>> out;
    for (const auto& rule : rules) {
        auto d = registry.create(rule);
        if (!d) return core::fail(d.error().code, "rule " + rule.name + ": " + d.error().message);
        for (auto m : measures) {
            if ((*d)->consumes(m)) {
                out.push_back(std::move(*d));
                break;
            }
        }
    }
    return out;
}

/// Where transitions go: printed as they are, or on through the alerting pipeline.
class TransitionSink {
public:
    TransitionSink(TransitionPrinter& printer, const config::Config* notify_config)
        : printer_(printer) {
        if (notify_config != nullptr) {
            notifications_.emplace(*notify_config,
                                   [this](std::string_view l) { printer_.line(l); });
        }
    }
    void on_transition(const alerts::Alert& a, const detect::Signal* s) {
        if (notifications_) {
            if (s != nullptr) notifications_->on_transition(a);
        } else {
            printer_.print(a, s);
        }
    }
    /// The replay's clock reached `now`: groups due by then are flushed.
    void advance(core::TimePoint now) {
        if (notifications_) notifications_->advance(now);
    }

private:
    TransitionPrinter& printer_;
    std::optional<NotificationReplay> notifications_;
};

int replay_events(const std::string& path, const std::string& config_path, bool notifications) {
    // The defaults a new user gets: an empty file's windows and the shipped rules.
    auto loaded = config::load_string("", "<defaults>");
    if (!config_path.empty()) loaded = config::load_file(config_path, builtin_kind_parsers());
    if (!loaded) {
        for (const auto& e : loaded.error()) fmt::print(stderr, "{}\n", e.to_string());
        return kUsage;
    }
    std::vector<config::RuleConfig> rules = loaded->rules;
    if (config_path.empty()) {
        for (auto m : {detect::Measure::volume, detect::Measure::success_ratio,
                       detect::Measure::latency, detect::Measure::insufficient_balance}) {
            rules.push_back(detect::default_rule(m));
        }
    }
    auto detectors =
        make_detectors(rules, {detect::Measure::volume, detect::Measure::success_ratio,
                               detect::Measure::latency, detect::Measure::insufficient_balance});
    if (!detectors) {
        fmt::print(stderr, "noctua: {}\n", detectors.error().message);
        return kUsage;
    }
    if (detectors->empty()) return usage("no rule consumes stream samples");
    auto text = read_whole(path);
    if (!text) {
        fmt::print(stderr, "noctua: cannot read {}\n", path);
        return kRuntimeFailure;
    }

    // The daemon's own evaluation: likely causes, provider labels, the alert life cycle.
    TransitionPrinter printer;
    TransitionSink sink(printer, notifications ? &*loaded : nullptr);
    RuleEvaluator evaluator(
        [&sink](const alerts::Alert& a, const detect::Signal* s) { sink.on_transition(a, s); });
    evaluator.set_rules(std::move(*detectors), &loaded->providers);
    streams::WindowStore windows(
        loaded->windows, nullptr,
        [&](std::vector<core::Sample>&& samples) { evaluator.on_stream_samples(samples); });
    // History is the point of a replay: accept any age, judge nothing against the wall clock.
    streams::ParseOptions po;
    po.max_event_bytes = loaded->windows.max_event_bytes;
    po.max_future = std::chrono::years(100);
    po.max_age = std::chrono::years(100);
    po.allowed_labels = loaded->windows.labels;
    streams::EventParser parser(po);
    std::size_t rejected = 0;
    std::optional<core::TimePoint> last;
    const auto now = core::SystemClock{}.now();
    parser.parse_lines(
        *text, now,
        [&](const streams::TxEvent& e) {
            windows.add(e);
            // Event time drives the watermark: buckets close as the replay passes them.
            if (!last || e.ts > *last) {
                last = e.ts;
                windows.advance(e.ts);
                // Detectors live at the watermark: samples of closed buckets are never older.
                evaluator.advance(windows.watermark(), windows.watermark());
                sink.advance(windows.watermark());
            }
        },
        [&](std::size_t line, streams::Rejection r) {
            if (++rejected <= 5) {
                fmt::print(stderr, "noctua: {}:{}: rejected: {}{}{}\n", path, line,
                           streams::to_string(r.reason), r.field.empty() ? "" : " ", r.field);
            }
        });
    if (last) {
        // Close the last buckets.
        const auto end = *last + loaded->windows.bucket + loaded->windows.allowed_lateness;
        windows.advance(end);
        evaluator.advance(windows.watermark(), windows.watermark());
        sink.advance(windows.watermark());
    }
    if (rejected > 0) fmt::print(stderr, "noctua: {}: {} event(s) rejected\n", path, rejected);
    return kOk;
}

}  // namespace

int cmd_replay(const std::vector<std::string_view>& args) {
    std::string input, as, config_path, events;
    core::Labels labels;
    bool labelled = false;
    bool notifications = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const FlagArg flag = split_flag(args[i]);
        const std::string_view arg = flag.name;
        std::string_view value;
        auto need = [&](std::string_view what) -> bool {
            (void)what;
            const auto v = flag_value(flag, args, i);
            if (v) value = *v;
            return v.has_value();
        };
        if (arg == "-h" || arg == "--help") {
            fmt::print("{}", kReplayHelp);
            return kOk;
        }
        if (arg == "-i" || arg == "--input") {
            if (!need("file")) return usage(fmt::format("{} needs a file", arg));
            input = value;
        } else if (arg == "--events") {
            if (!need("file")) return usage("--events needs a file");
            events = value;
        } else if (arg == "--as") {
            if (!need("kind")) return usage("--as needs volume|success_ratio|latency|balance");
            as = value;
        } else if (arg == "-c" || arg == "--config") {
            if (!need("file")) return usage(fmt::format("{} needs a file", arg));
            config_path = value;
        } else if (arg == "--notifications" && !flag.inline_value) {
            notifications = true;
        } else if (arg == "--label") {
            const auto eq = need("label") ? value.find('=') : std::string_view::npos;
            if (eq == std::string_view::npos || eq == 0 || eq + 1 >= value.size()) {
                return usage("--label needs NAME=VALUE");
            }
            labels.set(value.substr(0, eq), value.substr(eq + 1));
            labelled = true;
        } else {
            return usage(
                fmt::format("unknown {} \"{}\"", arg.starts_with("-") ? "flag" : "argument", arg));
        }
    }
    if (notifications && config_path.empty()) {
        return usage("--notifications needs --config (its [route] and receivers)");
    }
    if (!events.empty()) {
        if (!input.empty() || !as.empty()) return usage("--events replaces --input and --as");
        return replay_events(events, config_path, notifications);
    }
    if (input.empty()) return usage("--input FILE is required");
    if (as.empty()) return usage("--as volume|success_ratio|latency|balance is required");
    const auto measure = detect::parse_measure(as);
    if (!measure ||
        (*measure != detect::Measure::volume && *measure != detect::Measure::success_ratio &&
         *measure != detect::Measure::latency && *measure != detect::Measure::balance)) {
        return usage(
            fmt::format("--as must be volume, success_ratio, latency or balance, not \"{}\"", as));
    }

    std::vector<config::RuleConfig> rules;
    std::optional<config::Config> loaded;
    if (config_path.empty()) {
        rules.push_back(detect::default_rule(*measure));
    } else {
        auto file = config::load_file(config_path, builtin_kind_parsers());
        if (!file) {
            for (const auto& e : file.error()) fmt::print(stderr, "{}\n", e.to_string());
            return kUsage;
        }
        loaded = std::move(*file);
        rules = loaded->rules;
    }
    auto made = make_detectors(rules, {*measure});
    if (!made) {
        fmt::print(stderr, "noctua: {}\n", made.error().message);
        return kUsage;
    }
    auto detectors = std::move(*made);
    if (detectors.empty()) {
        return usage(fmt::format("no rule in {} consumes {} series", config_path, as));
    }

    auto text = read_whole(input);
    if (!text) {
        fmt::print(stderr, "noctua: cannot read {}\n", input);
        return kRuntimeFailure;
    }
    if (!labelled) labels.set("series", std::filesystem::path(input).stem().string());
    auto series = detect::read_series_csv(*text, labels);
    if (!series) {
        fmt::print(stderr, "noctua: {}: {}\n", input, series.error().message);
        return kRuntimeFailure;
    }
    if (series->skipped > 0) {
        fmt::print(stderr, "noctua: {}: skipped {} unusable row(s)\n", input, series->skipped);
    }
    TransitionPrinter printer;
    TransitionSink sink(printer, notifications ? &*loaded : nullptr);
    RuleEvaluator evaluator(
        [&sink](const alerts::Alert& a, const detect::Signal* s) { sink.on_transition(a, s); });
    evaluator.set_rules(std::move(detectors), nullptr);
    for (const auto& sample : series->samples) {
        evaluator.feed(*measure, sample);
        sink.advance(sample.time);
    }
    return kOk;
}

}  // namespace noctua::daemon
