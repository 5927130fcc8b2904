#pragma once

// The configuration parsers of noctua::probes' built-in kinds (probe kinds and status-test
// kinds) for tests that load configurations with that library alone linked. Include it only
// where noctua::probes is linked.

#include "noctua/config/config.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/probes/status_test.hpp"

namespace noctua::testing {

/// The built-in probe kinds, registered and frozen, kept for the life of the test (the
/// parsers they supply point into it).
inline const probes::ProbeRegistry& builtin_probe_registry() {
    struct Builtin {
        probes::ProbeRegistry registry;
        Builtin() {
            probes::register_builtin_probes(registry);
            registry.freeze();
        }
    };
    static const Builtin builtin;
    return builtin.registry;
}

/// Every built-in probe kind's and status-test kind's parser.
inline const config::KindParsers& probe_kind_parsers() {
    struct Builtin {
        probes::SuiteRegistry suites;
        config::KindParsers parsers;
        Builtin() {
            probes::register_builtin_suites(suites);
            suites.freeze();
            suites.add_parsers(parsers);
            builtin_probe_registry().add_parsers(parsers);
        }
    };
    static const Builtin builtin;
    return builtin.parsers;
}

}  // namespace noctua::testing
