#pragma once

// Checks shared by the tests of each family of kinds (probes, rules, receivers, streams,
// status tests): every kind the family lists has a parser beside it that reads keys of its own.

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "noctua/config/kind_options.hpp"
#include "noctua/config/kinds.hpp"

namespace noctua::testing {

/// Checks that each kind `family` lists has a parser in `parsers` (that family's parsers, e.g.
/// KindParsers::rules()) that parses and names the keys it reads; INFO names a failing kind.
template <class Parser>
void check_every_kind_reads_keys(const config::KindFamily& family,
                                 const config::KeyedParsers<Parser>& parsers) {
    for (const auto kind : family.kinds) {
        INFO(kind);
        const auto it = parsers.find(kind);
        REQUIRE(it != parsers.end());
        CHECK(it->second.parse);
        CHECK_FALSE(it->second.keys.empty());
    }
}

/// One entry of `family`: its table header (`[[rules]]`), `name_line` (`name = "R"`),
/// `kind = "<kind>"`, then `keys` from line 4 on.
inline std::string kind_entry(const config::KindFamily& family, std::string_view name_line,
                              std::string_view kind, std::string_view keys) {
    return fmt::format("{}\n{}\nkind = \"{}\"\n{}", family.table, name_line, kind, keys);
}

}  // namespace noctua::testing
