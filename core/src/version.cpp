#include "noctua/core/version.hpp"

namespace noctua::core {
std::string_view version() { return NOCTUA_VERSION; }
}  // namespace noctua::core
