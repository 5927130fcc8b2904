#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

/// Owns a file descriptor.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] int get() const { return fd_; }

private:
    int fd_;
};

/// "16 MiB", "64 KiB" or "100 bytes".
std::string format_bytes(std::size_t n) {
    constexpr std::size_t kKiB = 1024;
    if (n >= kKiB * kKiB && n % (kKiB * kKiB) == 0) return fmt::format("{} MiB", n / kKiB / kKiB);
    if (n >= kKiB && n % kKiB == 0) return fmt::format("{} KiB", n / kKiB);
    return fmt::format("{} bytes", n);
}

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
    auto text = read_file(path, kMaxSecretFileBytes);
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

core::Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    const auto cannot = [&](std::string why) {
        return core::fail(core::Errc::io,
                          fmt::format("cannot read file {}: {}", quote(path.string()), why));
    };
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) return cannot(os_reason(errno));
    // The type and size of what was opened, not of what the path names now.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return cannot(os_reason(errno));
    if (S_ISDIR(st.st_mode)) return cannot(os_reason(EISDIR));
    if (!S_ISREG(st.st_mode)) return cannot("not a regular file");
    const auto too_large = [&] {
        return cannot(fmt::format("larger than the limit of {}", format_bytes(max_bytes)));
    };
    if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) return too_large();
    std::string out;
    out.reserve(static_cast<std::size_t>(st.st_size));
    char buffer[4096];
    // A file that grows while it is read stops one byte past the limit.
    while (out.size() <= max_bytes) {
        const std::size_t want = std::min(sizeof buffer, max_bytes + 1 - out.size());
        const ::ssize_t n = ::read(fd.get(), buffer, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return cannot(os_reason(errno));
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    if (out.size() > max_bytes) return too_large();
    return out;
}

std::optional<Secret> header_safe(const Section& s, std::string_view base,
                                  std::optional<Secret> secret) {
    if (!secret) return secret;
    auto problem = header_value_problem(secret->reveal());
    if (!problem) return secret;
    std::string key(base);
    for (const char* suffix : {"_env", "_file"}) {
        if (s.contains(std::string(base) + suffix)) key = std::string(base) + suffix;
    }
    s.error(key, fmt::format("value from {}: {}", secret->source(), *problem));
    return std::nullopt;
}

}  // namespace noctua::config::detail

namespace noctua::config {

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
    if (given[0] == env_key) return detail::from_env(s, env_key);
    if (given[0] == file_key) return detail::from_file(s, file_key);
    std::string value;
    if (!s.read_string(base, value)) return std::nullopt;
    if (value.empty()) {
        s.error(base, "must not be empty");
        return std::nullopt;
    }
    return Secret(std::move(value), "inline");
}

}  // namespace noctua::config
