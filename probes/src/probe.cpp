#include "noctua/probes/probe.hpp"

#include <algorithm>

#include "kinds.hpp"
#include "noctua/probes/kinds/scenario.hpp"

namespace noctua::probes {

void register_builtin_probes(ProbeRegistry& registry) {
    registry.add(make_http_factory());
    registry.add(make_tcp_factory());
    registry.add(make_tls_factory());
    registry.add(make_dns_factory());
    registry.add(make_scenario_factory());
    registry.add(make_heartbeat_factory());
}

bool tls_insecure(const config::ProbeConfig& c) {
    if (c.kind == "http") return c.options.get<HttpOptions>().transport.tls.insecure;
    if (c.kind == "scenario") return c.options.get<ScenarioOptions>().transport.tls.insecure;
    if (c.kind == "tls") return c.options.get<TlsOptions>().tls.insecure;
    return false;
}

Phases phases(const core::HttpTimings& t) {
    Phases p;
    const double tls_end = t.tls > 0 ? t.tls : t.connect;
    p.dns = std::max(0.0, t.dns);
    p.connect = std::max(0.0, t.connect - t.dns);
    p.tls = t.tls > 0 ? std::max(0.0, t.tls - t.connect) : 0.0;
    p.first_byte = t.first_byte > 0 ? std::max(0.0, t.first_byte - tls_end) : 0.0;
    p.transfer = t.first_byte > 0 ? std::max(0.0, t.total - t.first_byte) : 0.0;
    return p;
}

std::vector<core::Sample> value_samples(const ProbeResult& r) {
    std::vector<core::Sample> out;
    out.reserve(r.values.size());
    for (const auto& v : r.values) {
        core::Labels labels = r.value_labels;
        labels.set("probe", r.probe);
        labels.set("provider", r.provider);
        labels.set("name", v.name);
        out.push_back(core::Sample{std::move(labels), r.started, v.value});
    }
    return out;
}

}  // namespace noctua::probes
