#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/result.hpp"

namespace noctua::sim {

/// The noctua-sim command line (docs/simulator.md). Defaults live here.
struct CliOptions {
    std::string listen;          ///< "host:port"; empty = no HTTP server
    std::string tls_listen;      ///< "host:port" for the TLS front; needs listen
    std::string tls_ca_out;      ///< write the TLS front's CA certificate (PEM) here
    std::string fleet;           ///< fleet file; empty = the built-in one-provider fleet
    std::string scenario;        ///< fault timeline file
    std::optional<std::uint64_t> seed;
    std::string out;             ///< JSON-lines file, "-" = stdout
    std::string events_url;      ///< Noctua's /api/v1/events
    std::string events_token;    ///< bearer token for events_url
    std::string kafka_brokers;   ///< produce events to Kafka (bootstrap servers)
    std::string kafka_topic = "transactions";
    std::size_t batch = 500;
    std::optional<double> rate;  ///< peak events per minute (overrides the fleet file)
    double speed = 1.0;          ///< 0 = as fast as possible
    std::optional<core::TimePoint> start;
    core::Duration backfill{0};
    std::optional<core::Duration> duration;
    std::optional<std::uint64_t> count;
    std::string log_level = "info";
    bool help = false;
    bool version = false;
};

/// Parses argv (without argv[0]). Errors name the flag. NOCTUA_SIM_EVENTS_TOKEN is read when
/// --events-token is absent.
[[nodiscard]] core::Result<CliOptions> parse_cli(const std::vector<std::string>& args);

/// The --help text: every flag, with its default.
[[nodiscard]] std::string usage();

/// Runs the simulator until it has nothing left to do or SIGINT/SIGTERM arrives. Returns the
/// process exit code: 0 ok, 1 runtime failure (e.g. address in use), 2 bad usage or files.
[[nodiscard]] int run(const CliOptions& options);

/// "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.250Z", "2024-05-01 10:00:00" or "2024-05-01"
/// (all UTC).
[[nodiscard]] std::optional<core::TimePoint> parse_time_arg(std::string_view s);

}  // namespace noctua::sim
