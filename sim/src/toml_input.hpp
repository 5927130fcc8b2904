#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "noctua/config/section.hpp"
#include "noctua/core/result.hpp"

namespace noctua::sim::detail {

/// The whole text of the file at `path`, read with blocking I/O; an `io` error
/// "<path>: cannot open" when it cannot be opened.
[[nodiscard]] inline core::Result<std::string> read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return core::fail(core::Errc::io, fmt::format("{}: cannot open", path.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Reads the TOML `text` (named `source` in messages) with `read(root)`, which reports each
/// problem on the section it concerns: what `read` returns, or a `parse` error listing every
/// problem (the TOML's syntax errors, else all that `read` reported).
template <class Read>
[[nodiscard]] auto read_toml(std::string_view text, std::string_view source, Read read)
    -> core::Result<std::invoke_result_t<Read&, const config::Section&>> {
    const std::string file{source};
    auto parsed = config::parse_toml(text, file);
    if (!parsed) return core::fail(core::Errc::parse, config::to_string(parsed.error()));
    config::LoadContext ctx(file, {});
    const config::Section root(*parsed, "", ctx);
    auto out = read(root);
    if (ctx.has_errors())
        return core::fail(core::Errc::parse, config::to_string(ctx.take_errors()));
    return out;
}

/// read_toml() of the file at `path`; an `io` error when it cannot be opened.
template <class Read>
[[nodiscard]] auto load_toml(const std::filesystem::path& path, Read read)
    -> core::Result<std::invoke_result_t<Read&, const config::Section&>> {
    auto text = read_text_file(path);
    if (!text) return std::unexpected(text.error());
    return read_toml(*text, path.string(), read);
}

}  // namespace noctua::sim::detail
