#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/streams/sources/file.hpp"
#include "noctua/streams/sources/http.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;

namespace {

std::vector<std::string> errors_of(std::string_view toml) {
    auto result = load_string(toml, "t.toml", noctua::testing::builtin_kind_parsers());
    REQUIRE_FALSE(result.has_value());
    std::vector<std::string> out;
    for (const auto& e : result.error()) out.push_back(e.to_string());
    return out;
}

}  // namespace

TEST_CASE("config: streams and windows with defaults", "[config][unit]") {
    ::setenv("NOCTUA_TEST_INGEST_TOKEN", "t0k", 1);
    auto c = load_string(R"(
[[streams]]
id = "push"
kind = "http"
token_env = "NOCTUA_TEST_INGEST_TOKEN"
queue_limit = 8

[[streams]]
id = "tail"
kind = "file"
paths = ["/var/log/tx/*.jsonl"]

[windows]
bucket = "30s"
labels = ["channel"]

[[windows.sets]]
by = ["provider", "channel"]
max_series = 50
metrics = true
)",
                         "<string>", noctua::testing::builtin_kind_parsers());
    REQUIRE(c.has_value());
    REQUIRE(c->streams.size() == 2);
    const auto& push = c->streams[0].options.get<noctua::streams::HttpStreamOptions>();
    CHECK(push.token->reveal() == "t0k");
    CHECK(push.queue_limit == 8);
    CHECK(push.body_limit == 1024 * 1024);
    CHECK(c->streams[1].options.get<noctua::streams::FileStreamOptions>().paths ==
          std::vector<std::string>{"/var/log/tx/*.jsonl"});
    CHECK(c->windows.bucket == std::chrono::seconds(30));
    REQUIRE(c->windows.sets.size() == 1);
    CHECK(c->windows.sets[0].name == "provider_channel");
    CHECK(c->windows.sets[0].max_series == 50);
    CHECK(c->windows.sets[0].metrics);

    auto d = load_string("");
    REQUIRE(d.has_value());
    REQUIRE(d->windows.sets.size() == 3);
    CHECK(d->windows.sets[1].by == std::vector<std::string>{"provider", "country"});
}

TEST_CASE("config: stream and window mistakes are positioned errors", "[config][unit]") {
    // Each document's first error contains the text beside it.
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"[[streams]]\nid = \"a\"\nkind = \"ftp\"\n",
         "t.toml:3:8: streams[0].kind: unknown stream kind \"ftp\""},
        {"[[streams]]\nid = \"a\"\nkind = \"http\"\n", "streams[0]: http streams need a token"},
        {"[[streams]]\nid = \"a\"\nkind = \"file\"\npaths = [\"x\"]\nqueue_limit = 3\n",
         "streams[0].queue_limit: queue_limit applies to kind \"http\" streams"},
        {"[[streams]]\nid = \"a\"\nkind = \"kafka\"\ntopics = [\"t\"]\n",
         "streams[0]: missing required key \"brokers\""},
        {"[windows]\nhistory_bucket = \"90s\"\n",
         "windows.history_bucket: history_bucket (1m30s) must be a whole multiple"},
        {"[[windows.sets]]\nby = [\"provider\", \"channel\"]\n",
         "windows.sets[0].by: unknown dimension \"channel\""},
        {"[windows]\nbucket = \"1m\"\nbuckett = \"1m\"\n", "windows.buckett: unknown key"},
    };
    for (const auto& [toml, error] : cases) {
        INFO(toml);
        CHECK_THAT(errors_of(toml)[0], Contains(std::string(error)));
    }
}
