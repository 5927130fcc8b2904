#include <catch2/catch.hpp>

#include <filesystem>

#include "noctua/config/config.hpp"
#include "noctua/testing/kind_parsers.hpp"

TEST_CASE("config: every file in config/examples loads without errors", "[config][unit]") {
    // Examples must load as shipped: no environment variables, no secret files.
    // fleet.toml and scenario-*.toml are noctua-sim's files, loaded by the simulator's tests;
    // production.toml reads its secrets from files and variables and is checked with them
    // (tests/cli/production_config_e2e.sh).
    int loaded = 0;
    for (const auto& entry : std::filesystem::directory_iterator(NOCTUA_EXAMPLES_DIR)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".toml") continue;
        const auto name = entry.path().filename().string();
        if (name == "fleet.toml" || name.starts_with("scenario") || name == "production.toml") {
            continue;
        }
        INFO(entry.path().string());
        auto result =
            noctua::config::load_file(entry.path(), noctua::testing::builtin_kind_parsers());
        if (!result) {
            for (const auto& e : result.error()) UNSCOPED_INFO(e.to_string());
        }
        CHECK(result.has_value());
        ++loaded;
    }
    CHECK(loaded >= 3);  // minimal, full, demo
}
