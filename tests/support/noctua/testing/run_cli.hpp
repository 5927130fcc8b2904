#pragma once

// The `noctua` command line run in-process with its standard output captured in a file, for
// the tests of commands that print (replay). Include it only where noctua::daemon is linked.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "noctua/daemon/cli.hpp"

namespace noctua::testing {

/// Runs `noctua <args>` with stdout going to `out_file`; returns the exit code and what it
/// printed.
inline std::pair<int, std::string> run_cli(std::vector<std::string> args,
                                           const std::filesystem::path& out_file) {
    args.insert(args.begin(), "noctua");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::fflush(stdout);
    const int saved = ::dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    {
        std::FILE* f = std::fopen(out_file.c_str(), "w");
        REQUIRE(f != nullptr);
        ::dup2(::fileno(f), STDOUT_FILENO);
        std::fclose(f);
    }
    const int code = daemon::run_cli(static_cast<int>(argv.size()), argv.data());
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    std::ifstream in(out_file);
    return {code, {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}};
}

}  // namespace noctua::testing
