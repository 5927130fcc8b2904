// Fuzz target: loading a whole config from TOML text (toml++, every section parser, every
// built-in kind's parser, the expression parser, cross-reference checks).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "noctua/config/config.hpp"
#include "noctua/daemon/kinds.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto c = noctua::config::load_string(text, "fuzz.toml",
                                              noctua::daemon::builtin_kind_parsers());
    if (!c) {
        // A refused config always says why.
        if (c.error().empty()) std::abort();
        for (const auto& e : c.error()) (void)e.to_string();
    } else {
        (void)noctua::config::summary(*c);
    }
    return 0;
}
