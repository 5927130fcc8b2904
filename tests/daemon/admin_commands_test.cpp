#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "admin_commands.hpp"

using noctua::daemon::cmd_ack;
using noctua::daemon::cmd_alerts;
using noctua::daemon::cmd_silence;

namespace {
using Args = std::vector<std::string_view>;
// Nothing listens on port 1 of loopback: a refused connection, at once.
constexpr std::string_view kNobody = "--url=http://127.0.0.1:1";
}  // namespace

TEST_CASE("admin commands: help exits 0, usage errors exit 2 before anything is sent",
          "[daemon][unit]") {
    CHECK(cmd_ack({"--help"}) == 0);
    CHECK(cmd_alerts({"-h"}) == 0);
    CHECK(cmd_silence({"--help"}) == 0);

    CHECK(cmd_ack({kNobody}) == 2);                         // no fingerprint
    CHECK(cmd_ack({"a", "b", kNobody}) == 2);               // two
    CHECK(cmd_ack({"abc", "--token", "x", kNobody}) == 2);  // no token on the line
    CHECK(cmd_ack({"abc", "--author"}) == 2);               // a flag without value
    CHECK(cmd_alerts({"extra", kNobody}) == 2);
    CHECK(cmd_silence({kNobody}) == 2);  // no subcommand
    CHECK(cmd_silence({"frob", kNobody}) == 2);
    CHECK(cmd_silence({"add", "--duration=1h", "--author=a", kNobody}) == 2);  // no matcher
    CHECK(cmd_silence({"add", "provider=~(", "--duration=1h", "--author=a", kNobody}) == 2);
    CHECK(cmd_silence({"add", "provider=acme", "--author=a", kNobody}) == 2);  // no end
    CHECK(cmd_silence({"add", "provider=acme", "--duration=1h", "--end=2030-01-01T00:00:00Z",
                       "--author=a", kNobody}) == 2);  // both
    CHECK(cmd_silence({"add", "provider=acme", "--duration=soon", "--author=a", kNobody}) == 2);
    CHECK(cmd_silence({"add", "provider=acme", "--end=tomorrow", "--author=a", kNobody}) == 2);
    CHECK(cmd_silence({"expire", kNobody}) == 2);
    CHECK(cmd_ack({"abc", "--author=a", "-c", "/nonexistent/noctua.toml"}) == 2);
}

TEST_CASE("admin commands: an unreachable daemon exits 1", "[daemon][unit]") {
    CHECK(cmd_ack({"0123456789abcdef", "--author=a", kNobody}) == 1);
    CHECK(cmd_alerts({kNobody}) == 1);
    CHECK(cmd_silence({"list", kNobody}) == 1);
    CHECK(cmd_silence({"add", "provider=acme", "--duration=1h", "--author=a", kNobody}) == 1);
}
