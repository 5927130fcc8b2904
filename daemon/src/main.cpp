// The noctua executable: parse argv and hand over to noctua::daemon (docs/contributing.md,
// "Principles").
#include "noctua/daemon/cli.hpp"
#include "noctua/net/curl_client.hpp"

// jemalloc's settings, read at its first allocation (ignored when the C library's malloc is
// used): two arenas for our few threads; freed pages go back to the system after a second,
// from a background thread, so a burst (a large config, a herd of transfers, a /metrics body)
// does not stay resident.
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = "narenas:2,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

int main(int argc, char** argv) {
    // Before any thread starts (docs/contributing.md, "libcurl").
    const noctua::net::CurlGlobal curl;
    return noctua::daemon::run_cli(argc, argv);
}
