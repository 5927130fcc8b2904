#include "noctua/daemon/kinds.hpp"

#include <fmt/format.h>

#include "noctua/config/kinds.hpp"

namespace noctua::daemon {
namespace {

/// The registries the parsers point into, kept for the life of the process.
struct BuiltinParsers {
    Kinds kinds;
    config::KindParsers parsers;
    BuiltinParsers() {
        register_builtin_kinds(kinds);
        kinds.rules.add_parsers(parsers);
        kinds.receivers.add_parsers(parsers);
        kinds.streams.add_parsers(parsers);
        kinds.suites.add_parsers(parsers);
        kinds.probes.add_parsers(parsers);
    }
};

}  // namespace

const config::KindParsers& builtin_kind_parsers() {
    static const BuiltinParsers builtin;
    return builtin.parsers;
}

void register_builtin_kinds(Kinds& kinds) {
    probes::register_builtin_probes(kinds.probes);
    detect::register_builtin_detectors(kinds.rules);
    alerts::register_builtin_channels(kinds.receivers);
    streams::register_builtin_sources(kinds.streams);
    probes::register_builtin_suites(kinds.suites);
    kinds.probes.freeze();
    kinds.rules.freeze();
    kinds.receivers.freeze();
    kinds.streams.freeze();
    kinds.suites.freeze();
}

std::string kinds_table(const Kinds& kinds) {
    std::string out;
    const auto line = [&out](std::string_view table, const std::vector<std::string>& names) {
        out += fmt::format("  {:<18}{}\n", table, core::join_names(names));
    };
    line(config::kProbeKinds.table, kinds.probes.kinds());
    line(config::kRuleKinds.table, kinds.rules.kinds());
    line(config::kReceiverKinds.table, kinds.receivers.kinds());
    line(config::kStreamKinds.table, kinds.streams.kinds());
    line(config::kSuiteKinds.table, kinds.suites.kinds());
    return out;
}

}  // namespace noctua::daemon
