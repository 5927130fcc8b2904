#pragma once

// The configuration parsers of the built-in kinds for tests that load configurations without
// the daemon (daemon::builtin_kind_parsers() is the same for those that link it). Include it
// only where noctua::alerts is linked.

#include "noctua/alerts/channel.hpp"
#include "noctua/config/config.hpp"

namespace noctua::testing {

/// Every built-in receiver kind's parser, from a registry kept for the life of the test.
inline const config::KindParsers& builtin_kind_parsers() {
    struct Builtin {
        alerts::ChannelRegistry receivers;
        config::KindParsers parsers;
        Builtin() {
            alerts::register_builtin_channels(receivers);
            receivers.freeze();
            receivers.add_parsers(parsers);
        }
    };
    static const Builtin builtin;
    return builtin.parsers;
}

}  // namespace noctua::testing
