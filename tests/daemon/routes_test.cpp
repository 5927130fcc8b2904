#include <catch2/catch.hpp>

#include "routes.hpp"

using namespace noctua;

TEST_CASE("admin_authorized: bearer token compared exactly", "[daemon][unit]") {
    config::ServerConfig server;
    core::ServerRequest req;
    CHECK(daemon::admin_authorized(req, server));  // no token configured: loopback only

    server.admin_token = config::Secret{"s3cret", "env NOCTUA_ADMIN_TOKEN"};
    CHECK_FALSE(daemon::admin_authorized(req, server));
    req.headers = {{"Authorization", "Bearer wrong!"}};
    CHECK_FALSE(daemon::admin_authorized(req, server));
    req.headers = {{"Authorization", "Bearer s3cret2"}};
    CHECK_FALSE(daemon::admin_authorized(req, server));
    req.headers = {{"Authorization", "Basic s3cret"}};
    CHECK_FALSE(daemon::admin_authorized(req, server));
    req.headers = {{"authorization", "Bearer s3cret"}};
    CHECK(daemon::admin_authorized(req, server));
    // Auth schemes are case-insensitive (RFC 9110 §11.1); the token is not.
    req.headers = {{"Authorization", "bearer s3cret"}};
    CHECK(daemon::admin_authorized(req, server));
    req.headers = {{"Authorization", "BEARER s3cret"}};
    CHECK(daemon::admin_authorized(req, server));
    req.headers = {{"Authorization", "Bearer S3CRET"}};
    CHECK_FALSE(daemon::admin_authorized(req, server));
}
