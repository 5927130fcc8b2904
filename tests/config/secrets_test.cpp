#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "noctua/config/config.hpp"
#include "noctua/testing/kind_parsers.hpp"

using namespace noctua::config;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

constexpr const char* kTokenVar = "NOCTUA_CONFIG_TEST_ADMIN_TOKEN";
constexpr const char* kHookVar = "NOCTUA_CONFIG_TEST_HOOK_URL";
constexpr const char* kUnsetVar = "NOCTUA_CONFIG_TEST_NEVER_SET";
constexpr std::string_view kTokenValue = "s3cr3t-admin-token-value";
constexpr std::string_view kHookValue = "https://hooks.example/T000/s3cr3t-hook-path";

/// A fresh directory under the system temp dir, removed with the object.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = fs::temp_directory_path() / ("noctua-config-test-" + std::to_string(::getpid()) +
                                             "-" + std::to_string(++counter));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    fs::path write(const std::string& name, std::string_view content) const {
        const fs::path p = path_ / name;
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

/// Sets an environment variable for one test and restores "unset" afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, std::string_view value) : name_(name) {
        ::setenv(name, std::string(value).c_str(), 1);
    }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

std::vector<std::string> error_strings(const LoadResult& result) {
    std::vector<std::string> out;
    if (!result) {
        for (const auto& e : result.error()) out.push_back(e.to_string());
    }
    return out;
}

void check_no_secret(const std::vector<std::string>& errors, std::string_view secret) {
    for (const auto& e : errors) {
        INFO(e);
        CHECK(e.find(secret) == std::string::npos);
    }
}

std::string public_server(std::string_view token_line) {
    return "[server]\nlisten = \"0.0.0.0:9464\"\n" + std::string(token_line) + "\n";
}

/// The errors of loading, as "t.toml", a public server whose admin token is in environment
/// variable `var`.
std::vector<std::string> env_token_errors(std::string_view var) {
    return error_strings(
        load_string(public_server("admin_token_env = \"" + std::string(var) + "\""), "t.toml"));
}

}  // namespace

TEST_CASE("config: admin token from an environment variable", "[config][unit]") {
    ScopedEnv env(kTokenVar, kTokenValue);
    auto result =
        load_string(public_server("admin_token_env = \"" + std::string(kTokenVar) + "\""));
    REQUIRE(result.has_value());
    REQUIRE(result->server.admin_token.has_value());
    CHECK(result->server.admin_token->reveal() == kTokenValue);
    CHECK(result->server.admin_token->source() == std::string("env ") + kTokenVar);
    CHECK(summary(*result).find(kTokenValue) == std::string::npos);
}

TEST_CASE("config: an unset or empty environment variable names the variable", "[config][unit]") {
    const std::string variable = "t.toml:3:19: server.admin_token_env: environment variable ";
    SECTION("unset") {
        CHECK(env_token_errors(kUnsetVar) ==
              std::vector<std::string>{variable + kUnsetVar + " is not set"});
    }
    SECTION("empty") {
        ScopedEnv env(kTokenVar, "");
        CHECK(env_token_errors(kTokenVar) ==
              std::vector<std::string>{variable + kTokenVar + " is empty"});
    }
}

TEST_CASE("config: admin token from a file, one trailing newline stripped", "[config][unit]") {
    TempDir dir;
    const auto one = dir.write("token", std::string(kTokenValue) + "\n");
    const auto two = dir.write("token2", std::string(kTokenValue) + "\n\n");
    const auto crlf = dir.write("token3", std::string(kTokenValue) + "\r\n");

    auto result = load_string(public_server("admin_token_file = \"" + one.string() + "\""));
    REQUIRE(result.has_value());
    CHECK(result->server.admin_token->reveal() == kTokenValue);
    CHECK(result->server.admin_token->source() == "file " + one.string());

    result = load_string(public_server("admin_token_file = \"" + two.string() + "\""));
    REQUIRE(result.has_value());
    CHECK(result->server.admin_token->reveal() == std::string(kTokenValue) + "\n");

    result = load_string(public_server("admin_token_file = \"" + crlf.string() + "\""));
    REQUIRE(result.has_value());
    CHECK(result->server.admin_token->reveal() == kTokenValue);
}

TEST_CASE("config: load_file resolves relative secret files against the config's directory",
          "[config][unit]") {
    TempDir dir;
    dir.write("token", std::string(kTokenValue) + "\n");
    const auto config = dir.write("noctua.toml", public_server("admin_token_file = \"token\""));
    auto result = load_file(config);
    INFO(Catch::rangeToString(error_strings(result)));
    REQUIRE(result.has_value());
    CHECK(result->path == config.string());
    CHECK(result->server.admin_token->reveal() == kTokenValue);
    CHECK(result->server.admin_token->source() == "file " + (dir.path() / "token").string());
}

TEST_CASE("config: unreadable or empty secret files are errors", "[config][unit]") {
    TempDir dir;
    const auto missing = dir.path() / "missing";
    auto result =
        load_string(public_server("admin_token_file = \"" + missing.string() + "\""), "t.toml");
    CHECK(error_strings(result) ==
          std::vector<std::string>{"t.toml:3:20: server.admin_token_file: cannot read file \"" +
                                   missing.string() + "\": No such file or directory"});

    const auto empty = dir.write("empty", "\n");
    result = load_string(public_server("admin_token_file = \"" + empty.string() + "\""), "t.toml");
    CHECK(error_strings(result) ==
          std::vector<std::string>{"t.toml:3:20: server.admin_token_file: file \"" +
                                   empty.string() + "\" is empty"});

    result =
        load_string(public_server("admin_token_file = \"" + dir.path().string() + "\""), "t.toml");
    CHECK(error_strings(result) ==
          std::vector<std::string>{"t.toml:3:20: server.admin_token_file: cannot read file \"" +
                                   dir.path().string() + "\": Is a directory"});
}

TEST_CASE("config: admin_token_env and admin_token_file are exclusive", "[config][unit]") {
    ScopedEnv env(kTokenVar, kTokenValue);
    auto result = load_string(public_server("admin_token_env = \"" + std::string(kTokenVar) +
                                            "\"\nadmin_token_file = \"/x\""),
                              "t.toml");
    CHECK(error_strings(result) ==
          std::vector<std::string>{"t.toml:4:20: server.admin_token_file: set only one of "
                                   "admin_token_env or admin_token_file"});
}

namespace {

/// Webhook receivers "a", its url from kHookVar, and "b", its url from `file` (eight lines).
std::string hook_receivers(const fs::path& file) {
    return "[[receivers]]\nname = \"a\"\nkind = \"webhook\"\nurl_env = \"" + std::string(kHookVar) +
           "\"\n[[receivers]]\nname = \"b\"\nkind = \"webhook\"\n" + "url_file = \"" +
           file.string() + "\"\n";
}

}  // namespace

TEST_CASE("config: webhook url from env and file", "[config][unit]") {
    TempDir dir;
    const auto file = dir.write("hook", std::string(kHookValue) + "\n");
    ScopedEnv env(kHookVar, kHookValue);
    auto result = load_string(hook_receivers(file) + "[route]\nreceiver = \"a\"\n", "<string>",
                              noctua::testing::builtin_kind_parsers());
    INFO(Catch::rangeToString(error_strings(result)));
    REQUIRE(result.has_value());
    CHECK(result->receivers[0].url->reveal() == kHookValue);
    CHECK(result->receivers[0].url->source() == std::string("env ") + kHookVar);
    CHECK(result->receivers[1].url->reveal() == kHookValue);
    CHECK(result->receivers[1].url->source() == "file " + file.string());
    CHECK(summary(*result).find(kHookValue) == std::string::npos);
}

TEST_CASE("config: secret values never appear in errors", "[config][unit]") {
    TempDir dir;
    // Secrets that are present but invalid, next to other errors that quote values.
    const auto file = dir.write("hook", "ftp://files.example/s3cr3t-hook-path\n");
    ScopedEnv hook(kHookVar, "not-a-url-s3cr3t-hook-path");
    ScopedEnv token(kTokenVar, kTokenValue);
    auto result = load_string(R"([server]
listen = "0.0.0.0:9464"
admin_token_env = ")" + std::string(kTokenVar) +
                                  R"("
admin_token_file = "/also"
)" + hook_receivers(file) + R"([[receivers]]
name = "c"
kind = "log"
url = "https://hooks.example/s3cr3t-hook-path"
[route]
receiver = "nobody"
)",
                              "t.toml", noctua::testing::builtin_kind_parsers());
    const auto errors = error_strings(result);
    CHECK(errors == std::vector<std::string>{
                        "t.toml:4:20: server.admin_token_file: set only one of admin_token_env or "
                        "admin_token_file",
                        std::string("t.toml:8:11: receivers[0].url_env: url from env ") + kHookVar +
                            " must start with http:// or https://",
                        "t.toml:12:12: receivers[1].url_file: url from file " + file.string() +
                            " must start with http:// or https://",
                        "t.toml:16:7: receivers[2].url: log receivers take no url",
                        "t.toml:18:12: route.receiver: unknown receiver \"nobody\"; known "
                        "receivers: \"a\", \"b\", \"c\""});
    check_no_secret(errors, kTokenValue);
    check_no_secret(errors, "s3cr3t-hook-path");
}
