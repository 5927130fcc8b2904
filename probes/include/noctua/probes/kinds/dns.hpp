#pragma once

#include <string>
#include <vector>

namespace noctua::probes {

/// `[probes.dns]` of a `kind = "dns"` probe: the question and the answer wanted.
struct DnsQuery {
    std::string name;                  ///< the name queried
    std::string type = "A";            ///< A, AAAA, CNAME, TXT, MX, NS
    std::string rcode = "NOERROR";     ///< expected response code
    std::vector<std::string> answers;  ///< each must be among the answers (empty: any)
    friend bool operator==(const DnsQuery&, const DnsQuery&) = default;
};

/// `kind = "dns"`: its own keys of a `[[probes]]` entry: one query to the server at `target`
/// (docs/configuration.md).
struct DnsOptions {
    std::string target;               ///< the server, "host:port"
    std::vector<std::string> expect;  ///< expressions over answers, latency, rcode
    DnsQuery query;                   ///< `[probes.dns]`
    friend bool operator==(const DnsOptions&, const DnsOptions&) = default;
};

}  // namespace noctua::probes
