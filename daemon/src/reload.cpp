#include "reload.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "metric_family.hpp"
#include "noctua/core/log.hpp"
#include "noctua/daemon/kinds.hpp"

namespace noctua::daemon {

namespace asio = boost::asio;

namespace {

std::string errors_to_string(const std::vector<config::ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        if (!out.empty()) out += "\n";
        out += e.to_string();
    }
    return out;
}

}  // namespace

Reloader::Reloader(prometheus::Registry& registry, boost::asio::any_io_executor strand,
                   boost::asio::any_io_executor blocking, const core::Clock& clock,
                   const DaemonOptions& options, ServiceNotifier& notifier,
                   const std::string& summary, const std::atomic<bool>& stopping, Apply apply)
    : strand_(std::move(strand)),
      blocking_(std::move(blocking)),
      clock_(clock),
      options_(options),
      notifier_(notifier),
      summary_(summary),
      stopping_(stopping),
      apply_(std::move(apply)),
      ok_(add_family<prometheus::Gauge>(registry, "noctua_config_last_reload_successful",
                                        "1 if the last configuration (re)load succeeded, else 0")
              .Add({})),
      success_time_(add_family<prometheus::Gauge>(
                        registry, "noctua_config_last_reload_success_timestamp_seconds",
                        "When the configuration was last loaded successfully")
                        .Add({})),
      failures_(add_family<prometheus::Counter>(registry, "noctua_config_reload_failures_total",
                                                "Configuration reloads rejected as invalid")
                    .Add({})) {}

core::Result<void> Reloader::apply(config::Config next) {
    // The command line wins over the file, on every reload.
    if (options_.log_level) next.logging.level = *options_.log_level;
    if (options_.log_format) next.logging.format = *options_.log_format;
    if (options_.shard) next.cluster.shard = *options_.shard;
    if (auto r = apply_(std::move(next)); !r) return r;
    ok_.Set(1);
    success_time_.Set(std::chrono::duration<double>(clock_.now().time_since_epoch()).count());
    return {};
}

void Reloader::rejected(const std::string& why) {
    ok_.Set(0);
    failures_.Increment();
    core::logger("daemon")->error("configuration reload rejected, keeping the running one:\n{}", why);
}

void Reloader::request_from_file(std::function<void(core::Result<void>)> done) {
    if (options_.config_path.empty()) {
        if (done) done(core::fail(core::Errc::unavailable, "no config file to reload from"));
        return;
    }
    core::logger("daemon")->info("reloading configuration from {}", options_.config_path);
    notifier_.reloading();
    // Reading the file blocks: do it off the io_context, apply on the pipeline strand.
    asio::post(blocking_, [this, done = std::move(done)]() mutable {
        auto loaded = config::load_file(options_.config_path, builtin_kind_parsers());
        asio::post(strand_, [this, loaded = std::move(loaded), done = std::move(done)]() mutable {
            core::Result<void> result;
            if (!loaded) {
                auto why = errors_to_string(loaded.error());
                rejected(why);
                result = core::fail(core::Errc::invalid_argument, why);
            } else if (auto r = apply(std::move(*loaded)); !r) {
                rejected(r.error().message);
                result = r;
            } else {
                core::logger("daemon")->info("configuration reloaded: {}", summary_);
            }
            if (!stopping_) {  // after STOPPING=1 the service manager expects no READY=1
                notifier_.ready(result ? "running: " + summary_
                                       : "reload rejected, running the previous configuration");
            }
            if (done) done(std::move(result));
        });
    });
}

}  // namespace noctua::daemon
