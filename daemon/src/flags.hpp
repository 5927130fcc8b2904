#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace noctua::daemon {

/// One command-line argument with a long flag's inline value split off: `--name=value` is the
/// flag `--name` with the value `value`; any other argument is its own name, without a value.
struct FlagArg {
    std::string_view name;
    std::optional<std::string_view> inline_value;
};

/// Splits `arg` as FlagArg describes. Pure.
[[nodiscard]] inline FlagArg split_flag(std::string_view arg) {
    const auto eq = arg.find('=');
    if (!arg.starts_with("--") || eq == std::string_view::npos) return {arg, std::nullopt};
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

/// The value of `flag`, read from `args[i]`: its inline value, else the next argument (and `i`
/// moves on to it); nullopt when the arguments end first.
[[nodiscard]] inline std::optional<std::string_view> flag_value(
    const FlagArg& flag, const std::vector<std::string_view>& args, std::size_t& i) {
    if (flag.inline_value) return flag.inline_value;
    if (i + 1 >= args.size()) return std::nullopt;
    return args[++i];
}

}  // namespace noctua::daemon
