// noctua-sim: argv in, exit code out; everything else lives in noctua::sim (app.cpp).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "noctua/core/version.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/sim/app.hpp"

int main(int argc, char** argv) {
    try {
        noctua::net::CurlGlobal curl;
        auto options = noctua::sim::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
        if (!options) {
            std::fprintf(stderr, "noctua-sim: %s\n", options.error().message.c_str());
            return 2;
        }
        if (options->help) {
            std::fputs(noctua::sim::usage().c_str(), stdout);
            return 0;
        }
        if (options->version) {
            std::printf("noctua-sim %s\n", std::string{noctua::core::version()}.c_str());
            return 0;
        }
        return noctua::sim::run(*options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "noctua-sim: %s\n", e.what());
        return 1;
    }
}
