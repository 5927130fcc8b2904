#pragma once

// One life of the daemon's alert pipeline, for the tests that restart it over its store file.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include "noctua/alerts/pipeline.hpp"
#include "noctua/core/clock.hpp"
#include "recording_channel.hpp"

namespace noctua::testing {

/// An io_context and an alert pipeline on the store file at `path`, on `clock`, configured
/// with `config` and one RecordingChannel per receiver (`hooks`, by name; `prepare` may set
/// them up before the pipeline takes them), with the alerts it restored. Destroying it ends
/// the life; another on the same file is the restarted daemon.
struct PipelineLife {
    using Hooks = std::map<std::string, std::shared_ptr<RecordingChannel>>;

    boost::asio::io_context ioc;
    prometheus::Registry registry;
    alerts::AlertMetrics metrics{registry};
    boost::asio::strand<boost::asio::io_context::executor_type> strand{ioc.get_executor()};
    core::ManualClock& clock;
    alerts::AlertPipeline pipeline;
    Hooks hooks;
    std::vector<alerts::Alert> restored;

    PipelineLife(const std::string& path, core::ManualClock& c, const config::Config& config,
                 const std::function<void(Hooks&)>& prepare = {})
        : clock(c), pipeline(strand, c, metrics, 1) {
        REQUIRE(pipeline.open(path));
        std::map<std::string, std::shared_ptr<alerts::ChannelBase>> channels;
        for (const auto& rc : config.receivers) {
            hooks[rc.name] = std::make_shared<RecordingChannel>(rc, ioc);
            channels[rc.name] = hooks[rc.name];
        }
        if (prepare) prepare(hooks);
        pipeline.configure(config, channels);
        auto r = pipeline.restore();
        REQUIRE(r);
        restored = std::move(*r);
    }
};

}  // namespace noctua::testing
