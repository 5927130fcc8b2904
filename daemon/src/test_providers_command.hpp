#pragma once

// Private to noctua::daemon: `noctua test-providers` (status-test suites without a daemon).

#include <string_view>
#include <vector>

namespace noctua::daemon {

/// Help text of `noctua test-providers`.
extern const std::string_view kTestProvidersHelp;

/// Runs `noctua test-providers` with the arguments after the command word: every suite (or
/// one provider's), the report on stdout or --output. Returns 0 when every suite passed, 1
/// when one failed or the report cannot be written, 2 on bad usage or bad config.
int cmd_test_providers(const std::vector<std::string_view>& args);

}  // namespace noctua::daemon
