#pragma once

#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/core/result.hpp"

namespace noctua::daemon {

/// Sets up spdlog for the process: stderr, readable text by default or one JSON object per
/// line (`ts`, `level`, `logger`, `msg`) for machines. Applies to every named logger.
[[nodiscard]] core::Result<void> setup_logging(std::string_view level, config::LogFormat format);

}  // namespace noctua::daemon
