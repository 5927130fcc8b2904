#include "test_providers_command.hpp"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/probes/auth.hpp"
#include "status_tests.hpp"

namespace noctua::daemon {

const std::string_view kTestProvidersHelp = R"(Usage: noctua test-providers -c FILE [options]

Runs the [[status_tests]] suites of FILE once, now, without a daemon: each provider is
authenticated, its balance read, its whole catalogue walked page by page, a sandbox top-up made
and its status polled. Catalogue changes are reported against the previous run kept under
[status_reports].dir (or the directory of storage.path), where the day's report is kept too.

Options:
  -c, --config FILE   configuration file (required)
      --provider ID   only this provider's suites
      --format F      text (default), json, junit, markdown or html
      --output FILE   write the report there instead of stdout
  -h, --help          this help

Exit codes: 0 every provider passed, 1 a provider failed (or the report could not be
written), 2 bad usage or bad configuration.
)";

int cmd_test_providers(const std::vector<std::string_view>& args) {
    std::string config_path;
    std::string provider;
    std::string output;
    probes::ReportFormat format = probes::ReportFormat::text;
    const auto usage = [](std::string_view msg) {
        fmt::print(stderr, "noctua: {}\nRun 'noctua test-providers --help' for usage.\n", msg);
        return 2;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto arg = args[i];
        const auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return std::string(args[++i]);
        };
        if (arg == "-h" || arg == "--help") {
            fmt::print("{}", kTestProvidersHelp);
            return 0;
        }
        if (arg == "-c" || arg == "--config" || arg == "--provider" || arg == "--format" || arg == "--output") {
            auto v = value();
            if (!v) return usage(fmt::format("{} needs a value", arg));
            if (arg == "--provider") provider = *v;
            else if (arg == "--output") output = *v;
            else if (arg == "--format") {
                auto f = probes::parse_report_format(*v);
                if (!f) return usage(f.error().message);
                format = *f;
            } else config_path = *v;
            continue;
        }
        return usage(fmt::format("unknown {} \"{}\"", arg.starts_with("-") ? "flag" : "argument", arg));
    }
    if (config_path.empty()) return usage("-c FILE is required");

    auto cfg = config::load_file(config_path, builtin_kind_parsers());
    if (!cfg) {
        for (const auto& e : cfg.error()) fmt::print(stderr, "{}\n", e.to_string());
        return 2;
    }
    std::vector<config::StatusTestConfig> suites;
    for (const auto& s : cfg->status_tests) {
        if (provider.empty() || s.provider == provider) suites.push_back(s);
    }
    if (suites.empty()) {
        fmt::print(stderr, "noctua: {}\n",
                   provider.empty() ? "no [[status_tests]] in " + config_path
                                    : fmt::format("no status test for provider \"{}\"", provider));
        return 2;
    }

    Kinds kinds;
    register_builtin_kinds(kinds);
    boost::asio::io_context ioc;
    net::CurlHttpClient http(ioc);
    core::SystemClock clock;
    probes::Authenticator auth(http, clock);
    // One thread: the strand and the "blocking" executor are the same io_context, which only
    // this command uses.
    StatusTestRunner runner(ioc.get_executor(), ioc.get_executor(), kinds.suites,
                            probes::ProbeContext{http, clock, ioc.get_executor(), &auth, nullptr}, nullptr, {});
    if (auto r = runner.configure(suites, cfg->status_reports); !r) {
        fmt::print(stderr, "noctua: {}\n", r.error().message);
        return 2;
    }
    std::optional<probes::StatusReport> report;
    (void)runner.run({}, [&](probes::StatusReport r) {
        report = std::move(r);
        http.stop();
    });
    ioc.run();
    if (!report) {
        fmt::print(stderr, "noctua: the status tests did not finish\n");
        return 1;
    }
    const std::string text = probes::render_report(*report, format);
    if (output.empty()) {
        fmt::print("{}", text);
    } else {
        std::ofstream out(output, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) {
            fmt::print(stderr, "noctua: cannot write {}\n", output);
            return 1;
        }
    }
    return report->success() ? 0 : 1;
}

}  // namespace noctua::daemon
