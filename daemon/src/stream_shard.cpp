#include "stream_shard.hpp"

#include <algorithm>

#include "noctua/core/log.hpp"

namespace noctua::daemon {
namespace {

prometheus::Counter& skipped(prometheus::Registry& r, const char* reason) {
    return prometheus::BuildCounter()
        .Name("noctua_cluster_stream_samples_skipped_total")
        .Help(
            "Stream-window samples a sharded instance does not judge, by reason (not_owned, "
            "settling, no_provider)")
        .Register(r)
        .Add({{"reason", reason}});
}

}  // namespace

StreamShardGate::StreamShardGate(const config::WindowsConfig& windows,
                                 prometheus::Registry& registry)
    : ownership_(windows.allowed_lateness + windows.bucket),
      not_owned_(skipped(registry, "not_owned")),
      settling_(skipped(registry, "settling")),
      no_provider_(skipped(registry, "no_provider")),
      providers_owned_(prometheus::BuildGauge()
                           .Name("noctua_cluster_stream_providers_owned")
                           .Help("Providers whose Kafka partition this instance is assigned "
                                 "(their stream rules are judged here)")
                           .Register(registry)
                           .Add({})) {
    for (const auto& set : sets_without_provider(windows)) {
        core::logger("daemon")->warn(
            "window set {} has no provider dimension: on a shard it sees part of the traffic, "
            "so no rule judges its series here",
            set);
    }
}

void StreamShardGate::release(RuleEvaluator& evaluator, core::TimePoint now) {
    for (const auto& provider : ownership_.take_released()) {
        core::logger("daemon")->info("stream series of provider {} are read by another shard now",
                                     provider);
        evaluator.release_provider(provider, now);
    }
}

void StreamShardGate::filter(std::vector<core::Sample>& samples) {
    const auto owned = ownership_.snapshot();
    providers_owned_.Set(static_cast<double>(owned.size()));
    std::erase_if(samples, [&](const core::Sample& s) {
        const auto provider = s.labels.get("provider");
        if (!provider) {
            no_provider_.Increment();
            return true;
        }
        auto it = owned.find(*provider);
        if (it == owned.end()) {
            not_owned_.Increment();
            return true;
        }
        if (s.time <= it->second) {  // the bucket must start after the first event + lateness
            settling_.Increment();
            return true;
        }
        return false;
    });
}

bool needs_stream_gate(const config::Config& config) {
    return config.cluster.shard.sharded() &&
           std::any_of(config.streams.begin(), config.streams.end(),
                       [](const config::StreamConfig& s) { return s.kind == "kafka"; });
}

std::vector<std::string> sets_without_provider(const config::WindowsConfig& windows) {
    std::vector<std::string> out;
    for (const auto& set : windows.sets) {
        if (std::find(set.by.begin(), set.by.end(), "provider") == set.by.end()) {
            out.push_back(set.name);
        }
    }
    return out;
}

}  // namespace noctua::daemon
