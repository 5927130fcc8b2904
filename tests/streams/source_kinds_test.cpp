// The stream kinds' own keys, read by each kind's parser (SourceRegistry::add_parsers): a
// misspelt key, a key of another kind, what each kind needs, errors at their positions.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include "noctua/config/config.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/source.hpp"
#include "noctua/streams/sources/file.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_family.hpp"
#include "noctua/testing/registry_parsers.hpp"

using namespace noctua;
using Catch::Matchers::StartsWith;

namespace {

const config::KindParsers& stream_parsers() {
    return testing::kind_parsers_of(streams::register_builtin_sources);
}

/// One stream "s" of `kind` with `keys` (from line 4 on).
std::string entry(std::string_view kind, std::string_view keys) {
    return testing::kind_entry(config::kStreamKinds, "id = \"s\"", kind, keys);
}

/// The errors of `entry(kind, keys)` as `t.toml:L:C: key: message` lines, with or without the
/// kinds' parsers.
std::vector<std::string> errors_of(std::string_view kind, std::string_view keys,
                                   bool with_parsers = true) {
    const config::KindParsers none;
    return testing::load_errors(entry(kind, keys), "t.toml", with_parsers ? stream_parsers() : none);
}

}  // namespace

TEST_CASE(
    "stream kinds: every kind supplies its parser and keys; without them only id and kind "
    "load",
    "[streams][config][unit]") {
    testing::check_every_kind_reads_keys(config::kStreamKinds, stream_parsers().streams());
    // Config alone knows no kind's own keys: they are unknown keys, never silently dropped.
    const auto bare = errors_of("file", "paths = [\"x\"]\n", false);
    REQUIRE(bare.size() == 1);
    CHECK_THAT(bare[0], StartsWith("t.toml:4:1: streams[0].paths: unknown key \"paths\""));
}

TEST_CASE("stream kinds: each parser reports a misspelt key of its own at FILE:LINE:COL",
          "[streams][config][unit]") {
    const auto typo = errors_of("file", "paths = [\"x\"]\npoll_intervall = \"1s\"\n");
    REQUIRE(typo.size() == 1);
    CHECK_THAT(typo[0], StartsWith("t.toml:5:1: streams[0].poll_intervall: unknown key "
                                   "\"poll_intervall\" (did you mean \"poll_interval\"?)"));
    // A bad value of an own key, at the value.
    const auto zero = errors_of("http", "token_env = \"HOME\"\nbody_limit = \"0B\"\n");
    REQUIRE(zero.size() == 1);
    CHECK(zero[0] == "t.toml:5:14: streams[0].body_limit: must be greater than 0");
    // What a kind requires, at the entry.
    CHECK(errors_of("kafka", "brokers = \"127.0.0.1:9\"\n") ==
          std::vector<std::string>{"t.toml:1:1: streams[0]: missing required key \"topics\""});
}

TEST_CASE("stream kinds: a key of another kind names the kind it applies to",
          "[streams][config][unit]") {
    CHECK(errors_of("http", "token_env = \"HOME\"\npaths = [\"x\"]\n") ==
          std::vector<std::string>{"t.toml:5:9: streams[0].paths: paths applies to kind "
                                   "\"file\" streams, not \"http\""});
    CHECK(errors_of("kafka", "brokers = \"b\"\ntopics = [\"t\"]\ntoken_file = \"/x\"\n") ==
          std::vector<std::string>{"t.toml:6:14: streams[0].token_file: token_file applies to "
                                   "kind \"http\" streams, not \"kafka\""});
    CHECK(errors_of("file", "paths = [\"x\"]\ngroup_id = \"g\"\n") ==
          std::vector<std::string>{"t.toml:5:12: streams[0].group_id: group_id applies to kind "
                                   "\"kafka\" streams, not \"file\""});
}

TEST_CASE("stream kinds: a source is not made from a configuration read without its parser",
          "[streams][unit]") {
    core::ManualClock clock{core::TimePoint{}};
    prometheus::Registry registry;
    streams::StreamMetrics metrics{registry};
    streams::IngestPipeline pipeline{config::WindowsConfig{}, clock, nullptr, nullptr};
    streams::SourceContext ctx{pipeline, metrics, clock};
    streams::SourceRegistry kinds;
    streams::register_builtin_sources(kinds);
    kinds.freeze();
    const std::pair<std::string_view, std::string_view> needs[] = {
        {"file", "file stream \"s\" needs paths"},
        {"http", "http stream \"s\" needs a token or an HMAC secret"},
        {"kafka", "kafka stream \"s\" needs brokers and topics"}};
    for (const auto& [kind, message] : needs) {
        INFO(kind);
        const auto made = kinds.create(config::StreamConfig{"s", std::string(kind), {}}, ctx);
        REQUIRE_FALSE(made.has_value());
        CHECK(made.error().message == message);
    }
    // With its options a kind makes its source.
    streams::FileStreamOptions file;
    file.paths = {"/nonexistent/*.jsonl"};
    CHECK(kinds.create({"s", "file", config::KindOptions::of(std::move(file))}, ctx).has_value());
}
