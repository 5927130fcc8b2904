#include "cluster.hpp"

#include <algorithm>

namespace noctua::daemon {
namespace {

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

ShardStatus keep_owned(config::Config& next) {
    const core::Shard shard = next.cluster.shard;
    ShardStatus s{shard, 0, next.probes.size(), 0, next.status_tests.size()};
    std::erase_if(next.probes, [&](const config::ProbeConfig& p) { return !shard.owns(p.id); });
    std::erase_if(next.status_tests,
                  [&](const config::StatusTestConfig& t) { return !shard.owns(t.id); });
    s.probes_owned = next.probes.size();
    s.status_tests_owned = next.status_tests.size();
    return s;
}

ClusterMetrics::ClusterMetrics(prometheus::Registry& r)
    : index_(gauge(r, "noctua_cluster_shard_index",
                   "This instance's shard index i of `[cluster] shard = \"i/N\"` (0 unsharded)")),
      count_(gauge(r, "noctua_cluster_shards",
                   "N of `[cluster] shard = \"i/N\"`: instances sharing the configuration")),
      owned_(gauge(r, "noctua_cluster_probes_owned", "Configured probes this instance runs")),
      configured_(gauge(r, "noctua_cluster_probes_configured",
                        "Probes in the configuration, on every shard")) {}

void ClusterMetrics::set(const ShardStatus& s) {
    index_.Set(s.shard.index);
    count_.Set(s.shard.count);
    owned_.Set(static_cast<double>(s.probes_owned));
    configured_.Set(static_cast<double>(s.probes_configured));
}

void write_shard(core::JsonWriter& w, const ShardStatus& s) {
    w.key("shard").begin_object();
    w.field("index", static_cast<std::uint64_t>(s.shard.index));
    w.field("count", static_cast<std::uint64_t>(s.shard.count));
    w.field("probes_owned", static_cast<std::uint64_t>(s.probes_owned));
    w.field("probes_configured", static_cast<std::uint64_t>(s.probes_configured));
    w.field("status_tests_owned", static_cast<std::uint64_t>(s.status_tests_owned));
    w.field("status_tests_configured", static_cast<std::uint64_t>(s.status_tests_configured));
    w.end_object();
}

}  // namespace noctua::daemon
