#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include <sys/stat.h>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/temp_dir.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::EndsWith;
using noctua::testing::TempDir;

namespace {

std::vector<std::string> error_strings(const LoadResult& result) {
    std::vector<std::string> out;
    if (!result) {
        for (const auto& e : result.error()) out.push_back(e.to_string());
    }
    return out;
}

/// The single error of a failed load.
std::string error_of(const LoadResult& result) {
    const auto errors = error_strings(result);
    for (const auto& e : errors) UNSCOPED_INFO(e);
    REQUIRE(errors.size() == 1);
    return errors[0];
}

/// `size` bytes of valid TOML (comment lines).
std::string comments(std::size_t size) {
    std::string text;
    text.reserve(size);
    while (size - text.size() > 64) text += "# " + std::string(61, 'x') + "\n";
    text += "#" + std::string(size - text.size() - 1, 'x');
    return text;
}

void write(const std::string& path, std::string_view content) {
    std::ofstream(path, std::ios::binary) << content;
}

std::string admin_token_file(const std::string& path) {
    return "[server]\nlisten = \"0.0.0.0:9464\"\nadmin_token_file = \"" + path + "\"\n";
}

}  // namespace

TEST_CASE("config: only a regular config file is read", "[config][unit]") {
    SECTION("a character device") {
        CHECK(error_of(load_file("/dev/null", noctua::testing::builtin_kind_parsers())) ==
              "/dev/null: cannot read file \"/dev/null\": not a regular file");
    }
    SECTION("a FIFO, without waiting for a writer") {
        TempDir dir("config-files");
        const auto fifo = dir.file("noctua.toml");
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        CHECK(error_of(load_file(fifo, noctua::testing::builtin_kind_parsers())) ==
              fifo + ": cannot read file \"" + fifo + "\": not a regular file");
    }
}

TEST_CASE("config: a config file over the size limit is refused", "[config][unit]") {
    TempDir dir("config-files");
    const auto path = dir.file("noctua.toml");
    write(path, comments(kMaxFileBytes));
    CHECK(load_file(path, noctua::testing::builtin_kind_parsers()).has_value());

    write(path, comments(kMaxFileBytes + 1));
    CHECK(error_of(load_file(path, noctua::testing::builtin_kind_parsers())) ==
          path + ": cannot read file \"" + path + "\": larger than the limit of 16 MiB");
}

TEST_CASE("config: secret files are regular files of at most 64 KiB", "[config][unit]") {
    TempDir dir("config-files");
    const auto token = dir.file("token");
    write(token, std::string(kMaxSecretFileBytes, 't'));
    CHECK(load_string(admin_token_file(token), "t.toml", noctua::testing::builtin_kind_parsers())
              .has_value());

    write(token, std::string(kMaxSecretFileBytes + 1, 't'));
    CHECK(error_of(load_string(admin_token_file(token), "t.toml",
                               noctua::testing::builtin_kind_parsers())) ==
          "t.toml:3:20: server.admin_token_file: cannot read file \"" + token +
              "\": larger than the limit of 64 KiB");

    const auto fifo = dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_THAT(error_of(load_string(admin_token_file(fifo), "t.toml",
                                    noctua::testing::builtin_kind_parsers())),
               EndsWith("\"" + fifo + "\": not a regular file"));
    CHECK_THAT(error_of(load_string(admin_token_file("/dev/null"), "t.toml",
                                    noctua::testing::builtin_kind_parsers())),
               EndsWith("\"/dev/null\": not a regular file"));
}

TEST_CASE("config: files a probe names are regular files within the limit", "[config][unit]") {
    TempDir dir("config-files");
    const auto body = dir.file("body.json");
    write(body, comments(kMaxFileBytes + 1));
    const std::string probe = noctua::testing::acme_probe("http://127.0.0.1:9") +
                              "path = \"/x\"\nmethod = \"POST\"\n";
    CHECK(error_of(load_string(probe + "body_file = \"" + body + "\"\n", "t.toml",
                               noctua::testing::builtin_kind_parsers())) ==
          "t.toml:9:13: probes[0].body_file: cannot read file \"" + body +
              "\": larger than the limit of 16 MiB");
    CHECK(error_of(load_string(probe + "tls_ca_file = \"/dev/null\"\n", "t.toml",
                               noctua::testing::builtin_kind_parsers())) ==
          "t.toml:9:15: probes[0].tls_ca_file: cannot read file \"/dev/null\": not a regular "
          "file");
}
