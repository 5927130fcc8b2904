#pragma once

// Private to noctua::daemon: `noctua replay` (backtesting detectors over recorded series).

#include <string_view>
#include <vector>

namespace noctua::daemon {

/// Help text of `noctua replay`.
extern const std::string_view kReplayHelp;

/// Runs `noctua replay` with the arguments after the command word. Prints one JSON line per
/// alert transition on stdout; returns the exit code (0 ok, 1 unreadable input, 2 bad usage
/// or bad config).
int cmd_replay(const std::vector<std::string_view>& args);

}  // namespace noctua::daemon
