#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

std::string os_reason(int error) {
    return std::error_code(error, std::generic_category()).message();
}

std::optional<Secret> from_env(const Section& s, std::string_view key) {
    std::string name;
    if (!s.read_string(key, name)) return std::nullopt;
    if (!is_label_name(name)) {
        s.error(key, fmt::format("invalid environment variable name {}", quote(name)));
        return std::nullopt;
    }
    // Read once at load time (startup or reload), never from an io_context thread.
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) {
        s.error(key, fmt::format("environment variable {} is not set", name));
        return std::nullopt;
    }
    if (*value == '\0') {
        s.error(key, fmt::format("environment variable {} is empty", name));
        return std::nullopt;
    }
    return Secret(value, "env " + name);
}

std::optional<Secret> from_file(const Section& s, std::string_view key) {
    std::string given;
    if (!s.read_string(key, given)) return std::nullopt;
    if (given.empty()) {
        s.error(key, "file path must not be empty");
        return std::nullopt;
    }
    std::filesystem::path path(given);
    if (path.is_relative() && !s.context().base_dir().empty()) {
        path = (s.context().base_dir() / path).lexically_normal();
    }
    auto text = read_file(path);
    if (!text) {
        s.error(key, text.error().message);
        return std::nullopt;
    }
    // Editors and `echo` add a final newline that is not part of the secret.
    std::string value = std::move(*text);
    if (value.ends_with('\n')) value.pop_back();
    if (value.ends_with('\r')) value.pop_back();
    if (value.empty()) {
        s.error(key, fmt::format("file {} is empty", quote(path.string())));
        return std::nullopt;
    }
    return Secret(std::move(value), "file " + path.string());
}

}  // namespace

core::Result<std::string> read_file(const std::filesystem::path& path) {
    const auto cannot = [&](int error) {
        return core::fail(core::Errc::io, fmt::format("cannot read file {}: {}",
                                                      quote(path.string()), os_reason(error)));
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return cannot(EISDIR);
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) return cannot(errno != 0 ? errno : EIO);
    std::string out;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) out.append(buffer, n);
    if (std::ferror(file.get()) != 0) return cannot(errno != 0 ? errno : EIO);
    return out;
}

std::optional<Secret> read_secret(const Section& s, std::string_view base, bool inline_allowed) {
    const std::string env_key = std::string(base) + "_env";
    const std::string file_key = std::string(base) + "_file";
    std::vector<std::string> given;
    if (inline_allowed && s.contains(base)) given.emplace_back(base);
    if (s.contains(env_key)) given.push_back(env_key);
    if (s.contains(file_key)) given.push_back(file_key);
    if (given.empty()) return std::nullopt;
    if (given.size() > 1) {
        const std::string choices = inline_allowed
                                        ? fmt::format("{}, {} or {}", base, env_key, file_key)
                                        : fmt::format("{} or {}", env_key, file_key);
        s.error(given[1], fmt::format("set only one of {}", choices));
        return std::nullopt;
    }
    if (given[0] == env_key) return from_env(s, env_key);
    if (given[0] == file_key) return from_file(s, file_key);
    std::string value;
    if (!s.read_string(base, value)) return std::nullopt;
    if (value.empty()) {
        s.error(base, "must not be empty");
        return std::nullopt;
    }
    return Secret(std::move(value), "inline");
}

}  // namespace noctua::config::detail
