#pragma once

// The configuration parsers of the built-in kinds for tests that load configurations without
// the daemon (daemon::builtin_kind_parsers() is the same for those that link it). Include it
// only where noctua::alerts, noctua::detect, noctua::streams and noctua::probes are linked.

#include "noctua/alerts/channel.hpp"
#include "noctua/config/config.hpp"
#include "noctua/detect/detector.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/streams/source.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

namespace noctua::testing {

/// Every built-in rule, receiver, stream, status-test and probe kind's parser, from registries
/// kept for the life of the test.
inline const config::KindParsers& builtin_kind_parsers() {
    struct Builtin {
        detect::DetectorRegistry rules;
        alerts::ChannelRegistry receivers;
        streams::SourceRegistry streams;
        probes::SuiteRegistry suites;
        config::KindParsers parsers;
        Builtin() {
            detect::register_builtin_detectors(rules);
            alerts::register_builtin_channels(receivers);
            streams::register_builtin_sources(streams);
            probes::register_builtin_suites(suites);
            rules.freeze();
            receivers.freeze();
            streams.freeze();
            suites.freeze();
            rules.add_parsers(parsers);
            receivers.add_parsers(parsers);
            streams.add_parsers(parsers);
            suites.add_parsers(parsers);
            builtin_probe_registry().add_parsers(parsers);
        }
    };
    static const Builtin builtin;
    return builtin.parsers;
}

}  // namespace noctua::testing
