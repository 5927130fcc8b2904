#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/provider.hpp"

namespace noctua::sim {

/// The whole simulated fleet behind one HTTP port: provider `id` is served under "/<id>/…",
/// the control API under "/sim/…". Pure logic (no sockets): `handle` maps a request to a Reply.
///
/// Control API (answers application/json):
///   GET  /sim/providers                 providers with balances and active faults
///   GET  /sim/providers/{id}            one provider
///   POST /sim/providers/{id}/fault      body: a fault (see parse_fault_json)
///   POST /sim/providers/{id}/heal       clears every fault of the provider
///   POST /sim/providers/{id}/balance    body: {"balance": 123.4}
///   POST /sim/heal                      heals every provider
///
/// Not thread-safe: the simulator serializes calls on its single io_context thread.
class SimService {
public:
    SimService(const FleetSpec& fleet, const core::Clock& clock);

    /// Routes and answers one request. Unknown provider paths get the Spring 404 shape, like
    /// the real API; unknown /sim paths a JSON error. Never throws.
    [[nodiscard]] Reply handle(const core::ServerRequest& request);

    [[nodiscard]] ProviderSim* find(std::string_view id);
    [[nodiscard]] std::vector<std::unique_ptr<ProviderSim>>& providers() { return providers_; }
    [[nodiscard]] const core::Clock& clock() const { return clock_; }

private:
    Reply control(const core::ServerRequest& request, std::string_view path);
    void write_provider(core::JsonWriter& w, ProviderSim& p);

    const core::Clock& clock_;
    std::vector<std::unique_ptr<ProviderSim>> providers_;
};

}  // namespace noctua::sim
