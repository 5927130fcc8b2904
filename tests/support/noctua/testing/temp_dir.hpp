#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

namespace noctua::testing {

/// A fresh directory under the system temp dir ("noctua-<tag>-<pid>-<n>"), removed with
/// everything in it when the object goes out of scope.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(std::string_view tag = "test") {
        static std::atomic<int> n{0};
        path = std::filesystem::temp_directory_path() /
               ("noctua-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(n++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    /// The path of `name` inside the directory.
    [[nodiscard]] std::string file(std::string_view name) const { return (path / name).string(); }
};

}  // namespace noctua::testing
