#include <catch2/catch.hpp>

#include <string>

#include "flags.hpp"
#include "json_body.hpp"

namespace core = noctua::core;
namespace nd = noctua::daemon;

namespace {

const core::TimePoint kNow = *core::parse_rfc3339("2026-12-03T20:00:00Z");

/// read_silence_span() of `body` with the silence API's keys.
core::Result<noctua::alerts::Silence> span_of(const std::string& body) {
    simdjson::dom::parser parser;
    auto root = nd::parse_json_object(parser, body, 1024, "body");
    if (!root) return std::unexpected(root.error());
    noctua::alerts::Silence s;
    if (auto r = nd::read_silence_span(*root, {"startsAt", "endsAt"}, kNow, s); !r) {
        return std::unexpected(r.error());
    }
    return s;
}

}  // namespace

TEST_CASE("parse_json_object: one object within the size limit", "[daemon][unit]") {
    simdjson::dom::parser parser;
    CHECK(nd::parse_json_object(parser, R"({"a": 1})", 2048, "ack body").has_value());
    const auto big = nd::parse_json_object(parser, std::string(2049, ' '), 2048, "ack body");
    REQUIRE_FALSE(big);
    CHECK(big.error().message == "ack body over 2 KiB");
    const auto list = nd::parse_json_object(parser, "[1]", 2048, "body");
    REQUIRE_FALSE(list);
    CHECK(list.error().message == "body must be a JSON object");
    const auto bad = nd::parse_json_object(parser, "{", 2048, "body", R"({"a": "..."})");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == R"(body must be a JSON object: {"a": "..."})");
    CHECK(bad.error().code == core::Errc::invalid_argument);
}

TEST_CASE("read_silence_span: start, end or duration, author and comment", "[daemon][unit]") {
    SECTION("the start defaults to now; a duration counts from the start") {
        const auto s = span_of(R"({"duration": "2h", "createdBy": "ops", "comment": "deploy"})");
        REQUIRE(s);
        CHECK(s->starts_at == kNow);
        CHECK(s->ends_at == kNow + std::chrono::hours(2));
        CHECK(s->created_by == "ops");
        CHECK(s->comment == "deploy");
    }
    SECTION("an explicit end wins over a duration") {
        const auto s = span_of(
            R"({"startsAt": "2026-12-03T21:00:00Z", "endsAt": "2026-12-03T23:00:00Z", "duration": "1m"})");
        REQUIRE(s);
        CHECK(core::format_rfc3339(s->starts_at) == "2026-12-03T21:00:00Z");
        CHECK(core::format_rfc3339(s->ends_at) == "2026-12-03T23:00:00Z");
    }
    SECTION("the author is cut to 256 bytes") {
        const auto s =
            span_of(R"({"duration": "1h", "createdBy": ")" + std::string(300, 'a') + "\"}");
        REQUIRE(s);
        CHECK(s->created_by.size() == 256);
    }
    SECTION("errors name the key") {
        CHECK(span_of("{}").error().message == "endsAt or duration is required");
        CHECK(span_of(R"({"endsAt": "tomorrow"})").error().message ==
              "endsAt: expected RFC 3339, e.g. 2026-12-03T22:00:00Z");
        CHECK(span_of(R"({"startsAt": "x", "duration": "1h"})").error().message ==
              "startsAt: expected RFC 3339, e.g. 2026-12-03T22:00:00Z");
        CHECK_THAT(span_of(R"({"duration": "soon"})").error().message,
                   Catch::StartsWith("duration: "));
    }
}

TEST_CASE("split_flag and flag_value: --name=value or --name value", "[daemon][unit]") {
    const std::vector<std::string_view> args{"--config=a.toml", "-c", "b.toml", "--last"};
    std::size_t i = 0;
    auto f = nd::split_flag(args[i]);
    CHECK(f.name == "--config");
    CHECK(nd::flag_value(f, args, i) == "a.toml");
    CHECK(i == 0);
    f = nd::split_flag(args[++i]);
    CHECK(f.name == "-c");
    CHECK_FALSE(f.inline_value);
    CHECK(nd::flag_value(f, args, i) == "b.toml");
    CHECK(i == 2);
    f = nd::split_flag(args[++i]);
    CHECK(nd::flag_value(f, args, i) == std::nullopt);
    CHECK(nd::split_flag("-x=1").name == "-x=1");
}
