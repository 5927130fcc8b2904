#include <charconv>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "noctua/config/config.hpp"

namespace noctua::config {
namespace {

struct SizeUnit {
    std::string_view name;
    std::uint64_t bytes;
};

constexpr SizeUnit kSizeUnits[] = {
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000ULL * 1000},
    {"GB", 1000ULL * 1000 * 1000},
    {"TB", 1000ULL * 1000 * 1000 * 1000},
    {"KiB", 1024},
    {"MiB", 1024ULL * 1024},
    {"GiB", 1024ULL * 1024 * 1024},
    {"TiB", 1024ULL * 1024 * 1024 * 1024},
};

}  // namespace

core::Result<std::size_t> parse_size(std::string_view text) {
    // fmt rather than operator+: GCC 12 -O2 raises a false -Wrestrict on "x" + std::string.
    const std::string shown = fmt::format("\"{}\"", text);
    std::uint64_t n = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, n);
    if (ec == std::errc::result_out_of_range) {
        return core::fail(core::Errc::parse, "size " + shown + " is too large");
    }
    if (ec != std::errc{}) {
        return core::fail(core::Errc::parse, "invalid size " + shown +
                                                 ": expected a whole number with a unit such "
                                                 "as 512KiB or 10MB");
    }
    const std::string_view unit_name(ptr, static_cast<std::size_t>(end - ptr));
    for (const auto& unit : kSizeUnits) {
        if (unit.name != unit_name) continue;
        if (n > std::numeric_limits<std::size_t>::max() / unit.bytes) {
            return core::fail(core::Errc::parse, "size " + shown + " is too large");
        }
        return static_cast<std::size_t>(n * unit.bytes);
    }
    return core::fail(core::Errc::parse,
                      "invalid size " + shown +
                          ": missing or unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
}

}  // namespace noctua::config
