#include "noctua/daemon/cli.hpp"

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "admin_commands.hpp"
#include "flags.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/log.hpp"
#include "noctua/core/memory.hpp"
#include "noctua/core/version.hpp"
#include "noctua/daemon/daemon.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/daemon/logging.hpp"
#include "replay_command.hpp"
#include "test_providers_command.hpp"

namespace noctua::daemon {
namespace {

constexpr int kOk = 0;
constexpr int kRuntimeFailure = 1;
constexpr int kUsage = 2;

constexpr std::string_view kMainHelp = R"(noctua — NOC monitoring and alerting daemon

Usage:
  noctua run -c FILE [--log-level LEVEL] [--log-format text|json] [--threads N] [--shard i/N]
  noctua check -c FILE
  noctua replay --input FILE --as volume|success_ratio|latency|balance [--config FILE]
  noctua test-providers -c FILE [--provider ID] [--format text|json|junit|markdown|html] [--output FILE]
  noctua alerts | ack FINGERPRINT | silence add|list|expire  [--url URL | -c FILE]
  noctua help [COMMAND]
  noctua --version | --help

Commands:
  run     Run the daemon: probes, detection, alerts, HTTP API and /metrics.
  check   Validate a configuration file; print every problem as FILE:LINE:COL: key: message.
  replay  Backtest detection on a recorded CSV series; one JSON line per alert transition.
  test-providers  Run the provider status tests now; exit 1 when a provider fails.
  alerts  List a running daemon's firing alerts with their fingerprints.
  ack     Acknowledge a firing alert: its escalation and reminders stop.
  silence Add, list or expire silences on a running daemon.
  help    Show help for a command.

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration.
Configuration reference: docs/configuration.md

Kinds (the `kind` key of each table):
)";

/// The main help with the kinds table built from the registries.
std::string main_help() {
    Kinds kinds;
    register_builtin_kinds(kinds);
    return std::string(kMainHelp) + kinds_table(kinds);
}

constexpr std::string_view kRunHelp = R"(Usage: noctua run -c FILE [options]

Runs the daemon on FILE until SIGINT or SIGTERM (graceful: stops accepting, drains in-flight
notifications within server.shutdown_timeout). SIGHUP reloads FILE: a valid file replaces the
running configuration keeping probe and alert state; an invalid one is rejected and logged.

Options:
  -c, --config FILE        configuration file (required)
      --log-level LEVEL    trace|debug|info|warn|error|critical|off (overrides [logging].level)
      --log-format FORMAT  text (default) or json (overrides [logging].format)
      --threads N          io threads (default 1)
      --shard i/N          this instance is shard i (from 0) of N sharing FILE: it runs the
                           probes whose id hashes to i and evaluates stream rules for the
                           Kafka partitions it is assigned (overrides [cluster].shard;
                           docs/operations.md, "Scale out")
  -h, --help               this help
)";

constexpr std::string_view kCheckHelp = R"(Usage: noctua check -c FILE

Validates FILE and prints every problem at once as FILE:LINE:COL: key.path: message (exit 2),
or a one-line summary (exit 0). Secrets are resolved but never printed.

Options:
  -c, --config FILE   configuration file (required)
  -h, --help          this help
)";

struct Args {
    std::string command;
    std::string config;
    std::optional<std::string> log_level;
    std::optional<config::LogFormat> log_format;
    unsigned threads = 1;
    std::optional<core::Shard> shard;
    bool help = false;
};

/// Runs `command`; an exception that escapes it is reported as fatal, exit code kRuntimeFailure.
template <class Command>
int run_guarded(Command command) {
    try {
        return command();
    } catch (const std::exception& e) {
        fmt::print(stderr, "noctua: fatal: {}\n", e.what());
        return kRuntimeFailure;
    }
}

int usage_error(std::string_view msg, std::string_view help_for) {
    fmt::print(stderr, "noctua: {}\nRun 'noctua {}--help' for usage.\n", msg,
               help_for.empty() ? "" : std::string(help_for) + " ");
    return kUsage;
}

void print_errors(const std::vector<config::ConfigError>& errors) {
    for (const auto& e : errors) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "{} error{} found\n", errors.size(), errors.size() == 1 ? "" : "s");
}

/// Parses the flags after the command; returns an exit code on a usage error.
std::optional<int> parse_flags(std::vector<std::string_view> argv, Args& a) {
    const bool is_run = a.command == "run";
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const FlagArg flag = split_flag(argv[i]);
        const std::string_view arg = flag.name;
        auto need_value = [&](std::string_view& out) -> bool {
            const auto value = flag_value(flag, argv, i);
            if (value) out = *value;
            return value.has_value();
        };
        if (arg == "-h" || arg == "--help") {
            a.help = true;
        } else if (arg == "-c" || arg == "--config") {
            std::string_view v;
            if (!need_value(v)) return usage_error(fmt::format("{} needs a file", arg), a.command);
            a.config = v;
        } else if (is_run && arg == "--log-level") {
            std::string_view v;
            if (!need_value(v)) return usage_error("--log-level needs a level", a.command);
            a.log_level = std::string(v);
        } else if (is_run && arg == "--log-format") {
            std::string_view v;
            if (!need_value(v)) return usage_error("--log-format needs text or json", a.command);
            if (v == "text") {
                a.log_format = config::LogFormat::text;
            } else if (v == "json") {
                a.log_format = config::LogFormat::json;
            } else {
                return usage_error(fmt::format("--log-format must be text or json, not \"{}\"", v),
                                   a.command);
            }
        } else if (is_run && arg == "--shard") {
            std::string_view v;
            if (!need_value(v)) return usage_error("--shard needs i/N, e.g. 0/2", a.command);
            auto shard = core::parse_shard(v);
            if (!shard) return usage_error("--shard: " + shard.error().message, a.command);
            a.shard = *shard;
        } else if (is_run && arg == "--threads") {
            std::string_view v;
            unsigned n = 0;
            if (!need_value(v) || std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc{} ||
                n == 0 || n > 64) {
                return usage_error("--threads needs a number from 1 to 64", a.command);
            }
            a.threads = n;
        } else {
            return usage_error(fmt::format("unknown {} \"{}\"",
                                           arg.starts_with("-") ? "flag" : "argument", arg),
                               a.command);
        }
    }
    return std::nullopt;
}

int cmd_check(const Args& a) {
    auto loaded = config::load_file(a.config, builtin_kind_parsers());
    if (!loaded) {
        print_errors(loaded.error());
        return kUsage;
    }
    fmt::print("{}: {}\n", a.config, config::summary(*loaded));
    return kOk;
}

int cmd_run(const Args& a) {
    core::tune_allocator_for_daemon();
    auto loaded = config::load_file(a.config, builtin_kind_parsers());
    if (!loaded) {
        print_errors(loaded.error());
        return kUsage;
    }
    auto cfg = std::move(*loaded);
    if (a.log_level) cfg.logging.level = *a.log_level;
    if (a.log_format) cfg.logging.format = *a.log_format;
    if (a.shard) cfg.cluster.shard = *a.shard;
    if (auto r = setup_logging(cfg.logging.level, cfg.logging.format); !r) {
        return usage_error(r.error().message, "run");
    }
    DaemonOptions opts;
    opts.config_path = a.config;
    opts.threads = a.threads;
    opts.handle_signals = true;
    opts.notify_service_manager = true;
    opts.log_level = a.log_level;
    opts.log_format = a.log_format;
    opts.shard = a.shard;
    Daemon daemon{std::move(cfg), opts};
    if (auto r = daemon.start(); !r) {
        core::logger("daemon")->critical("cannot start: {}", r.error().message);
        return kRuntimeFailure;
    }
    daemon.run();
    core::logger("daemon")->info("stopped");
    return kOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        fmt::print(stderr, "{}", main_help());
        return kUsage;
    }
    const auto first = args.front();
    if (first == "--version" || first == "-V" || first == "version") {
        fmt::print("noctua {}\n", core::version());
        return kOk;
    }
    if (first == "--help" || first == "-h") {
        fmt::print("{}", main_help());
        return kOk;
    }
    if (first == "help") {
        if (args.size() == 1) {
            fmt::print("{}", main_help());
            return kOk;
        }
        const std::pair<std::string_view, std::string_view> helps[] = {
            {"run", kRunHelp},
            {"check", kCheckHelp},
            {"replay", kReplayHelp},
            {"test-providers", kTestProvidersHelp},
        };
        for (const auto& [command, help] : helps) {
            if (args[1] == command) {
                fmt::print("{}", help);
                return kOk;
            }
        }
        if (args[1] == "ack" || args[1] == "alerts" || args[1] == "silence") {
            const std::vector<std::string_view> help{"--help"};
            return args[1] == "ack" ? cmd_ack(help)
                   : args[1] == "alerts" ? cmd_alerts(help)
                                         : cmd_silence(help);
        }
        return usage_error(fmt::format("unknown command \"{}\"", args[1]), "");
    }
    const std::vector<std::string_view> rest{args.begin() + 1, args.end()};
    if (first == "replay") return run_guarded([&] { return cmd_replay(rest); });
    if (first == "test-providers") return run_guarded([&] { return cmd_test_providers(rest); });
    if (first == "ack" || first == "alerts" || first == "silence") {
        return run_guarded([&] {
            return first == "ack" ? cmd_ack(rest) : first == "alerts" ? cmd_alerts(rest)
                                                                      : cmd_silence(rest);
        });
    }
    Args a;
    a.command = std::string(first);
    if (a.command != "run" && a.command != "check") {
        return usage_error(fmt::format("unknown {} \"{}\"",
                                       first.starts_with("-") ? "flag" : "command", first),
                           "");
    }
    if (auto code = parse_flags(rest, a)) return *code;
    if (a.help) {
        fmt::print("{}", a.command == "run" ? kRunHelp : kCheckHelp);
        return kOk;
    }
    if (a.config.empty()) return usage_error("-c FILE is required", a.command);
    return run_guarded([&] { return a.command == "run" ? cmd_run(a) : cmd_check(a); });
}

}  // namespace noctua::daemon
