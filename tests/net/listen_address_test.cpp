// `server.listen` addresses: the forms accepted and what a bad one is told.
#include <catch2/catch.hpp>

#include "noctua/net/http_server.hpp"

TEST_CASE("HttpServer: parse_listen_address accepts host:port, [v6]:port and localhost",
          "[net][unit]") {
    using noctua::net::parse_listen_address;
    auto v4 = parse_listen_address("127.0.0.1:9090");
    REQUIRE(v4);
    CHECK(v4->first == "127.0.0.1");
    CHECK(v4->second == 9090);

    auto v6 = parse_listen_address("[::1]:0");
    REQUIRE(v6);
    CHECK(v6->first == "::1");
    CHECK(v6->second == 0);

    auto local = parse_listen_address("localhost:65535");
    REQUIRE(local);
    CHECK(local->first == "localhost");
    CHECK(local->second == 65535);
}

TEST_CASE("HttpServer: parse_listen_address errors name what is wrong", "[net][unit]") {
    using noctua::net::parse_listen_address;
    auto message = [](std::string_view listen) {
        auto r = parse_listen_address(listen);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == noctua::core::Errc::invalid_argument);
        return r.error().message;
    };
    CHECK_THAT(message("127.0.0.1"), Catch::Contains("expected host:port"));
    CHECK_THAT(message("127.0.0.1:"), Catch::Contains("missing port"));
    CHECK_THAT(message(":80"), Catch::Contains("empty host"));
    CHECK_THAT(message("host:http"), Catch::Contains("not a number"));
    CHECK_THAT(message("host:80x"), Catch::Contains("not a number"));
    CHECK_THAT(message("host:65536"), Catch::Contains("larger than 65535"));
    CHECK_THAT(message("::1:80"), Catch::Contains("need brackets"));
    CHECK_THAT(message("[::1:80"), Catch::Contains("missing ']'"));
    CHECK_THAT(message("[::1]80"), Catch::Contains("':port'"));
}
