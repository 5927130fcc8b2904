#pragma once

// Rule kinds' options for tests that build a config::RuleConfig in code.

#include <utility>

#include "noctua/config/config.hpp"

namespace noctua::testing {

/// Sets the options of `rule` to its options of kind T (T's defaults when it holds none) as
/// `edit` changes them, e.g. `edit_options<detect::BalanceOptions>(r, [](auto& b) { ... })`.
template <class T, class Edit>
void edit_options(config::RuleConfig& rule, Edit edit) {
    T options = rule.options.get<T>();
    edit(options);
    rule.options = config::KindOptions::of(std::move(options));
}

}  // namespace noctua::testing
