#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace noctua::core {

/// The named logger of a library ("probes", "alerts", "http", "config", …), created on first
/// use with the process's default sinks and level. Thread-safe (spdlog's registry).
[[nodiscard]] std::shared_ptr<spdlog::logger> logger(std::string_view name);

}  // namespace noctua::core
