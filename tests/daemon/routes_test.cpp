#include <catch2/catch.hpp>

#include "routes.hpp"

using namespace noctua;

TEST_CASE("admin_authorized: bearer token compared exactly", "[daemon][unit]") {
    config::ServerConfig server;
    core::ServerRequest req;
    CHECK(daemon::admin_authorized(req, server));  // no token configured: loopback only

    server.admin_token = config::Secret{"s3cret", "env NOCTUA_ADMIN_TOKEN"};
    CHECK_FALSE(daemon::admin_authorized(req, server));
    // A header, its value, and whether it lets the request in. Auth schemes are
    // case-insensitive (RFC 9110 §11.1); the token is not.
    struct Case {
        const char* header;
        const char* value;
        bool authorized;
    };
    const Case cases[] = {
        {"Authorization", "Bearer wrong!", false}, {"Authorization", "Bearer s3cret2", false},
        {"Authorization", "Basic s3cret", false},  {"authorization", "Bearer s3cret", true},
        {"Authorization", "bearer s3cret", true},  {"Authorization", "BEARER s3cret", true},
        {"Authorization", "Bearer S3CRET", false},
    };
    for (const auto& c : cases) {
        INFO(c.header << ": " << c.value);
        req.headers = {{c.header, c.value}};
        CHECK(daemon::admin_authorized(req, server) == c.authorized);
    }
}
