// The noctua executable: parse argv and hand over to noctua::daemon (STYLE.md §2).
#include "noctua/daemon/cli.hpp"
#include "noctua/net/curl_client.hpp"

int main(int argc, char** argv) {
    const noctua::net::CurlGlobal curl;  // before any thread starts (STYLE.md §7)
    return noctua::daemon::run_cli(argc, argv);
}
