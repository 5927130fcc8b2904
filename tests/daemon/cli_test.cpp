#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "noctua/daemon/cli.hpp"

namespace {

int cli(std::vector<std::string> args) {
    args.insert(args.begin(), "noctua");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return noctua::daemon::run_cli(static_cast<int>(argv.size()), argv.data());
}

std::filesystem::path temp_file(const std::string& text) {
    auto dir = std::filesystem::temp_directory_path() /
               ("noctua-cli-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    auto p = dir / "c.toml";
    std::ofstream(p) << text;
    return p;
}

}  // namespace

TEST_CASE("cli: --version, --help and help per command exit 0", "[daemon][unit]") {
    CHECK(cli({"--version"}) == 0);
    CHECK(cli({"--help"}) == 0);
    CHECK(cli({"help", "run"}) == 0);
    CHECK(cli({"check", "--help"}) == 0);
    CHECK(cli({"run", "-h"}) == 0);
}

TEST_CASE("cli: usage errors exit 2", "[daemon][unit]") {
    CHECK(cli({}) == 2);
    CHECK(cli({"frobnicate"}) == 2);
    CHECK(cli({"--frobnicate"}) == 2);
    CHECK(cli({"run", "--frobnicate"}) == 2);
    CHECK(cli({"check"}) == 2);                       // -c is required
    CHECK(cli({"check", "-c"}) == 2);                 // -c needs a value
    CHECK(cli({"check", "-c", "x", "--threads", "2"}) == 2);  // run-only flag
    CHECK(cli({"run", "-c", "x", "--log-format", "xml"}) == 2);
    CHECK(cli({"run", "-c", "x", "--threads", "0"}) == 2);
    CHECK(cli({"help", "nope"}) == 2);
}

TEST_CASE("cli: check exits 0 on a valid file and 2 on an invalid or missing one",
          "[daemon][unit]") {
    CHECK(cli({"check", "-c", std::string(NOCTUA_EXAMPLES_DIR) + "/minimal.toml"}) == 0);
    CHECK(cli({"check", "--config=" + std::string(NOCTUA_EXAMPLES_DIR) + "/minimal.toml"}) == 0);
    auto bad = temp_file("[server]\nlisten = 5\n");
    CHECK(cli({"check", "-c", bad.string()}) == 2);
    CHECK(cli({"check", "-c", "/nonexistent/noctua.toml"}) == 2);
    CHECK(cli({"run", "-c", bad.string()}) == 2);  // run refuses a bad config the same way
    std::filesystem::remove_all(bad.parent_path());
}

TEST_CASE("cli: --shard takes i/N and refuses anything else", "[daemon][unit]") {
    const auto minimal = std::string(NOCTUA_EXAMPLES_DIR) + "/minimal.toml";
    CHECK(cli({"run", "-c", minimal, "--shard", "2/2"}) == 2);
    CHECK(cli({"run", "-c", minimal, "--shard=half"}) == 2);
    CHECK(cli({"run", "-c", minimal, "--shard"}) == 2);
    CHECK(cli({"check", "-c", minimal, "--shard", "0/2"}) == 2);  // run-only flag
    auto bad = temp_file("[cluster]\nshard = \"0/0\"\n");
    CHECK(cli({"check", "-c", bad.string()}) == 2);
    std::filesystem::remove_all(bad.parent_path());
}
