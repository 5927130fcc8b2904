#pragma once

// Private to noctua::probes: the factories of the built-in kinds, one per source file.

#include <functional>
#include <memory>
#include <string>

#include "noctua/probes/probe.hpp"

namespace noctua::probes {

[[nodiscard]] std::unique_ptr<ProbeFactory> make_http_factory();       // http_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_tcp_factory();        // socket_probes.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_tls_factory();        // socket_probes.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_dns_factory();        // dns_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_scenario_factory();   // scenario_probe.cpp
[[nodiscard]] std::unique_ptr<ProbeFactory> make_heartbeat_factory();  // heartbeat.cpp

/// The scenario kind's own keys of a `[[probes]]` entry (scenario_options.cpp).
inline constexpr std::string_view kScenarioKeys[] = {
    "ip_version",  "keep_alive",    "max_response_size", "proxy",       "steps",
    "tls_ca_file", "tls_cert_file", "tls_insecure",      "tls_key_file"};
/// Reads them into ScenarioOptions, resolving paths of steps against `provider`'s base_url
/// (config::ProbeParser::parse).
[[nodiscard]] config::KindOptions parse_scenario(const config::Section& s,
                                                 const config::ProbeConfig& common,
                                                 const config::ProviderConfig* provider);

/// Sees every response of a scenario step (each poll of an `until` step, so each page of a paged
/// walk, and each retried failure) with whether it met the step's expectations, on the run's
/// executor, before the next request.
using ScenarioObserver =
    std::function<void(const std::string& step, const core::HttpResponse& response, bool accepted)>;

/// A scenario probe (kind "scenario") whose runs report their accepted responses to `observer`
/// (may be empty). Errors: a template or expression that does not compile, no executor.
[[nodiscard]] core::Result<std::unique_ptr<Probe>> make_scenario_probe(config::ProbeConfig config,
                                                                       ProbeContext& context,
                                                                       ScenarioObserver observer);

}  // namespace noctua::probes
