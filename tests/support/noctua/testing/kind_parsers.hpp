#pragma once

// The configuration parsers of the built-in kinds for tests that load configurations without
// the daemon (daemon::builtin_kind_parsers() is the same for those that link it). Include it
// only where noctua::alerts, noctua::streams and noctua::probes are linked.

#include "noctua/alerts/channel.hpp"
#include "noctua/config/config.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/streams/source.hpp"
#include "noctua/testing/probe_kind_parsers.hpp"

namespace noctua::testing {

/// Every built-in receiver, stream, status-test and probe kind's parser, from registries kept
/// for the life of the test.
inline const config::KindParsers& builtin_kind_parsers() {
    struct Builtin {
        alerts::ChannelRegistry receivers;
        streams::SourceRegistry streams;
        probes::SuiteRegistry suites;
        config::KindParsers parsers;
        Builtin() {
            alerts::register_builtin_channels(receivers);
            streams::register_builtin_sources(streams);
            probes::register_builtin_suites(suites);
            receivers.freeze();
            streams.freeze();
            suites.freeze();
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
