#pragma once

#include <string>

#include "noctua/alerts/channel.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/streams/source.hpp"

namespace noctua::daemon {

/// Every registry of kinds the daemon wires: probe kinds, rule kinds (detectors), receiver
/// kinds, stream kinds and status-test kinds. Built once, frozen, then read-only (safe from any thread).
struct Kinds {
    probes::ProbeRegistry probes;
    detect::DetectorRegistry rules;
    alerts::ChannelRegistry receivers;
    streams::SourceRegistry streams;
    probes::SuiteRegistry suites;
};

/// Registers every built-in kind of every library and freezes the registries.
void register_builtin_kinds(Kinds& kinds);

/// The configuration parsers of every built-in kind (config::KindParsers), from registries
/// built once for the process and then read-only: what every command hands config::load_*().
[[nodiscard]] const config::KindParsers& builtin_kind_parsers();

/// The known kinds per configuration table, one line each ("  [[probes]]     dns, http, …"),
/// from the registries: the table `noctua --help` prints.
[[nodiscard]] std::string kinds_table(const Kinds& kinds);

}  // namespace noctua::daemon
