#pragma once

#include <string_view>

namespace noctua::core {
/// The version of this build, e.g. "0.1.0".
[[nodiscard]] std::string_view version();
}  // namespace noctua::core
