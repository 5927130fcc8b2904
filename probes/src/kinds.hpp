#pragma once

// Private to noctua::probes: the factories of the built-in kinds, one per source file.

#include <memory>

#include "noctua/probes/probe.hpp"

namespace noctua::probes {

[[nodiscard]] std::unique_ptr<ProbeFactory> make_http_factory();       // http_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_tcp_factory();        // socket_probes.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_tls_factory();        // socket_probes.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_dns_factory();        // dns_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_scenario_factory();   // scenario_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_heartbeat_factory();  // heartbeat.cpp

}  // namespace noctua::probes
