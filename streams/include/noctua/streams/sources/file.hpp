#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "noctua/core/duration.hpp"

namespace noctua::streams {

/// `kind = "file"`: its own keys of a `[[streams]]` entry, JSON-lines files followed by a tail
/// (docs/events.md).
struct FileStreamOptions {
    std::vector<std::string> paths;  ///< globs of JSON-lines files; required, not empty
    core::Duration poll_interval = std::chrono::seconds(1);
    bool start_at_end = false;  ///< new files with no stored offset: skip existing content
    friend bool operator==(const FileStreamOptions&, const FileStreamOptions&) = default;
};

}  // namespace noctua::streams
