#pragma once

// The configuration parsers of one library's built-in kinds, for tests that load
// configurations with that library alone linked.

#include "noctua/config/kind_options.hpp"

namespace noctua::testing {

/// The parsers of every kind `register_builtin` registers in a `Registry` (one with
/// add_parsers()), from a registry kept for the life of the test.
template <class Registry>
const config::KindParsers& kind_parsers_of(void (*register_builtin)(Registry&)) {
    struct Builtin {
        Registry registry;
        config::KindParsers parsers;
        explicit Builtin(void (*add)(Registry&)) {
            add(registry);
            registry.freeze();
            registry.add_parsers(parsers);
        }
    };
    static const Builtin builtin(register_builtin);
    return builtin.parsers;
}

}  // namespace noctua::testing
