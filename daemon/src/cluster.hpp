#pragma once

// Private to noctua::daemon: what one of several instances sharing a configuration owns
// (docs/operations.md, "Scale out").

#include <cstddef>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/shard.hpp"

namespace noctua::daemon {

/// This instance's shard and how much of the configuration it runs.
struct ShardStatus {
    core::Shard shard;
    std::size_t probes_owned = 0;
    std::size_t probes_configured = 0;
    std::size_t status_tests_owned = 0;
    std::size_t status_tests_configured = 0;
};

/// Leaves in `next` only the probes and status tests `next.cluster.shard` owns (all of them
/// when not sharded) and says how many of how many. Pure.
[[nodiscard]] ShardStatus keep_owned(config::Config& next);

/// noctua_cluster_shard_index, noctua_cluster_shards, noctua_cluster_probes_owned and
/// noctua_cluster_probes_configured: on every instance, so that `sum(owned) == max(configured)`
/// shows that every probe runs somewhere. Thread-safe (prometheus-cpp gauges).
class ClusterMetrics {
public:
    explicit ClusterMetrics(prometheus::Registry& registry);
    void set(const ShardStatus& status);

private:
    prometheus::Gauge& index_;
    prometheus::Gauge& count_;
    prometheus::Gauge& owned_;
    prometheus::Gauge& configured_;
};

/// `"shard": {"index", "count", "probes_owned", …}` for GET /api/v1/status.
void write_shard(core::JsonWriter& w, const ShardStatus& status);

}  // namespace noctua::daemon
