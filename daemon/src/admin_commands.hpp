#pragma once

// Private to noctua::daemon: `noctua ack`, `noctua alerts` and `noctua silence`, clients of a
// running daemon's admin API.

#include <string_view>
#include <vector>

namespace noctua::daemon {

extern const std::string_view kAckHelp;
extern const std::string_view kAlertsHelp;
extern const std::string_view kSilenceHelp;

/// `noctua ack FINGERPRINT ...`, `noctua alerts ...`, `noctua silence add|list|expire ...`,
/// with the arguments after the command word. Return 0 on success, 1 when the daemon refused
/// or could not be reached (the reason on stderr), 2 on bad usage.
int cmd_ack(const std::vector<std::string_view>& args);
int cmd_alerts(const std::vector<std::string_view>& args);
int cmd_silence(const std::vector<std::string_view>& args);

}  // namespace noctua::daemon
