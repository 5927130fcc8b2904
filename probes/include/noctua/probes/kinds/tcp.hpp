#pragma once

#include <string>
#include <vector>

namespace noctua::probes {

/// `kind = "tcp"`: its own keys of a `[[probes]]` entry: a TCP connect to `target`
/// (docs/configuration.md).
struct TcpOptions {
    std::string target;               ///< "host:port"
    std::vector<std::string> expect;  ///< expressions over latency, phase
    int ip_version = 0;               ///< 0 any, 4 or 6
    friend bool operator==(const TcpOptions&, const TcpOptions&) = default;
};

}  // namespace noctua::probes
