// The documentation's kind tables name every kind of every family (config::kKindFamilies, the
// one list of them): a kind added to its family without its documentation fails here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "noctua/config/kinds.hpp"

using namespace noctua;

namespace {

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("config: the docs' kind tables name every kind of each family", "[config][unit]") {
    const auto docs = std::filesystem::path(NOCTUA_EXAMPLES_DIR) / ".." / ".." / "docs";
    auto lines = lines_of(docs / "configuration.md");
    const auto status_tests = lines_of(docs / "status-tests.md");
    lines.insert(lines.end(), status_tests.begin(), status_tests.end());
    for (const auto& family : config::kKindFamilies) {
        INFO(family.table);
        const bool listed = std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
            return std::all_of(family.kinds.begin(), family.kinds.end(), [&](std::string_view kind) {
                return line.find("`" + std::string(kind) + "`") != std::string::npos;
            });
        });
        CHECK(listed);
    }
}
