#pragma once

namespace noctua::daemon {

/// The `noctua` command line: run, check, --version, --help. Returns the process exit code:
/// 0 ok, 1 runtime failure, 2 bad usage or bad config.
int run_cli(int argc, char** argv);

}  // namespace noctua::daemon
