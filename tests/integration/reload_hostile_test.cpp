// The daemon keeps running when a reload (SIGHUP) brings a config that is hostile to its
// parsers: expressions nested past the limit, regular expressions too large to compile.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>

#include "harness.hpp"
#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/testing/text.hpp"

using namespace noctua;
using testing::http_call;
using testing::metric_value;
using testing::repeat;
using testing::RunningDaemon;

namespace {

/// A config with one http probe on a closed loopback port whose `expect` is `expect` (a TOML
/// string literal).
std::string config_with(const std::string& expect) {
    namespace toml = testing::toml;
    return toml::server("1s") + toml::provider("acme", "http://127.0.0.1:9/acme") +
           toml::probe("acme-balance", "acme", "/accounts/balance", "expect = [" + expect + "]\n");
}

double reload_failures(const RunningDaemon& d) {
    return metric_value(http_call("GET", d.url("/metrics")).body, "noctua_config_reload_failures_total");
}

}  // namespace

TEST_CASE("daemon: SIGHUP with a too-deep expression or an oversized pattern is rejected and the "
          "daemon keeps running",
          "[integration]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("noctua-hostile-{}", std::random_device{}());
    std::filesystem::create_directories(dir);
    const auto path = dir / "noctua.toml";
    std::ofstream(path) << config_with("\"status == 200\"");
    auto cfg = config::load_file(path, noctua::daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    auto options = testing::seeded(path.string());
    options.handle_signals = true;
    RunningDaemon d{std::move(*cfg), std::move(options)};

    const std::string hostile[] = {
        "\"" + repeat("(", 100'000) + "status == 200" + repeat(")", 100'000) + "\"",
        "\"" + repeat("!", 12'000) + "exists(body.x)\"",
        "\"status in " + repeat("[", 100'000) + "\"",
        "'body matches \"" + repeat("(a)", 20'000) + "\"'",
        "'body matches \"\\pL{1000}\"'",
    };
    double failures = 0;
    for (const auto& expect : hostile) {
        std::ofstream(path, std::ios::trunc) << config_with(expect);
        REQUIRE(std::raise(SIGHUP) == 0);
        ++failures;
        REQUIRE(testing::wait_for([&] { return reload_failures(d) == failures; }));
        CHECK(http_call("GET", d.url("/healthz")).status == 200);
    }
    const auto metrics = http_call("GET", d.url("/metrics")).body;
    CHECK(metric_value(metrics, "noctua_config_last_reload_successful") == 0);

    // A valid file afterwards is applied as usual.
    std::ofstream(path, std::ios::trunc) << config_with("\"status == 200 || status == 404\"");
    REQUIRE(std::raise(SIGHUP) == 0);
    REQUIRE(testing::wait_for([&] {
        return metric_value(http_call("GET", d.url("/metrics")).body,
                            "noctua_config_last_reload_successful") == 1;
    }));
    CHECK(reload_failures(d) == failures);
    std::filesystem::remove_all(dir);
}
