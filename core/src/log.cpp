#include "noctua/core/log.hpp"

#include <string>

namespace noctua::core {

std::shared_ptr<spdlog::logger> logger(std::string_view name) {
    std::string n{name};
    if (auto existing = spdlog::get(n)) return existing;
    // Clone the default logger so the sinks, pattern and level set up by the daemon apply.
    auto created = spdlog::default_logger()->clone(n);
    try {
        spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
        // Lost a race with another thread registering the same name: use theirs.
        if (auto existing = spdlog::get(n)) return existing;
    }
    return created;
}

}  // namespace noctua::core
