#include "noctua/probes/probe.hpp"

#include "noctua/core/assert.hpp"

namespace noctua::probes {

void ProbeRegistry::add(std::unique_ptr<ProbeFactory> factory) {
    NOCTUA_CHECK(factory != nullptr);
    std::string kind{factory->kind()};
    NOCTUA_CHECK(!factories_.contains(kind));
    factories_.emplace(std::move(kind), std::move(factory));
}

const ProbeFactory* ProbeRegistry::find(std::string_view kind) const {
    auto it = factories_.find(kind);
    return it == factories_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ProbeRegistry::kinds() const {
    std::vector<std::string> out;
    for (const auto& [k, f] : factories_) out.push_back(k);
    return out;
}

core::Result<std::unique_ptr<Probe>> ProbeRegistry::create(const config::ProbeConfig& config,
                                                           ProbeContext& context) const {
    if (const auto* f = find(config.kind)) return f->create(config, context);
    std::string known;
    for (const auto& k : kinds()) known += (known.empty() ? "" : ", ") + k;
    return core::fail(core::Errc::invalid_argument,
                      "unknown probe kind \"" + config.kind + "\" (known: " + known + ")");
}

bool status_expected(const config::ProbeConfig& config, int status) {
    for (const auto& r : config.expected_status) {
        if (status >= r.low && status <= r.high) return true;
    }
    return false;
}

}  // namespace noctua::probes
