#pragma once

#include <string>

#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace noctua::daemon {

/// Registers the family `name` of `Metric`s (prometheus::Counter, Gauge or Histogram) with
/// `help` in `registry`, which owns it; prometheus-cpp throws when `name` is taken by another
/// type (a programming error, at start-up).
template <class Metric>
prometheus::Family<Metric>& add_family(prometheus::Registry& registry, const std::string& name,
                                       const std::string& help) {
    return prometheus::detail::Builder<Metric>().Name(name).Help(help).Register(registry);
}

}  // namespace noctua::daemon
