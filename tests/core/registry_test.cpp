#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "noctua/core/registry.hpp"

using noctua::core::Registry;

namespace {

struct Widget {
    virtual ~Widget() = default;
    [[nodiscard]] virtual std::string_view kind() const = 0;
};

struct Named final : Widget {
    explicit Named(std::string k) : name(std::move(k)) {}
    std::string_view kind() const override { return name; }
    std::string name;
};

std::unique_ptr<Widget> named(std::string k) { return std::make_unique<Named>(std::move(k)); }

/// Runs `fn` in a child process; true when the child was killed by SIGABRT.
bool aborts(const std::function<void()>& fn) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // The child dies by the plain signal (not Catch2's handler, which would report a
        // failed test from the child) and prints nothing.
        std::signal(SIGABRT, SIG_DFL);
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        fn();
        _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace

TEST_CASE("Registry: finds factories by kind and lists the kinds sorted", "[core][unit]") {
    Registry<Widget> registry("widget kind");
    registry.add(named("tls"));
    registry.add(named("dns"));
    registry.add(named("http"));
    CHECK(registry.kinds() == std::vector<std::string>{"dns", "http", "tls"});
    CHECK(registry.size() == 3);
    REQUIRE(registry.find("http") != nullptr);
    CHECK(registry.find("http")->kind() == "http");
    CHECK(registry.find("htt") == nullptr);
    auto got = registry.get("dns");
    REQUIRE(got);
    CHECK(got->get().kind() == "dns");
}

TEST_CASE("Registry: an unknown kind is an error naming the known kinds sorted", "[core][unit]") {
    Registry<Widget> registry("widget kind");
    registry.add(named("zeta"));
    registry.add(named("alpha"));
    auto got = registry.get("beta");
    REQUIRE_FALSE(got);
    CHECK(got.error().code == noctua::core::Errc::invalid_argument);
    CHECK(got.error().message == "unknown widget kind \"beta\" (known: alpha, zeta)");

    Registry<Widget> empty("widget kind");
    CHECK(empty.get("x").error().message == "unknown widget kind \"x\" (known: none)");
}

TEST_CASE("Registry: registering a kind twice aborts", "[core][unit]") {
    CHECK(aborts([] {
        Registry<Widget> registry("widget kind");
        registry.add(named("http"));
        registry.add(named("http"));
    }));
    // The same steps without the duplicate run to the end: the abort is the duplicate's.
    CHECK_FALSE(aborts([] {
        Registry<Widget> registry("widget kind");
        registry.add(named("http"));
        registry.add(named("tcp"));
    }));
}

TEST_CASE("Registry: frozen after start-up, a registration aborts", "[core][unit]") {
    Registry<Widget> registry("widget kind");
    registry.add(named("http"));
    CHECK_FALSE(registry.frozen());
    registry.freeze();
    CHECK(registry.frozen());
    CHECK(registry.find("http") != nullptr);  // still readable
    CHECK(aborts([&registry] { registry.add(named("tcp")); }));
    CHECK(aborts([] {
        Registry<Widget> r("widget kind");
        r.add(nullptr);
    }));
}

TEST_CASE("join_names: comma-separated", "[core][unit]") {
    CHECK(noctua::core::join_names({}).empty());
    CHECK(noctua::core::join_names({"a"}) == "a");
    CHECK(noctua::core::join_names({"a", "b", "c"}) == "a, b, c");
}
