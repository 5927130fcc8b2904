#pragma once

// The DNS wire format (RFC 1035) as much as the `dns` probe kind needs: one query, answers of
// type A, AAAA, CNAME, NS, MX and TXT. Pure functions; no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/result.hpp"

namespace noctua::probes {

/// What a DNS response said: its rcode ("NOERROR", "NXDOMAIN"…) and answers as text
/// ("192.0.2.1", "2001:db8::1", "alias.example", MX exchange names, TXT strings joined).
struct DnsAnswer {
    std::string rcode;
    std::vector<std::string> answers;
    bool truncated = false;
};

/// The numeric type of "A", "AAAA", "CNAME", "MX", "NS", "TXT"; nullopt for others.
[[nodiscard]] std::optional<std::uint16_t> dns_type_code(std::string_view type);
/// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", else "RCODE<n>".
[[nodiscard]] std::string dns_rcode_name(int rcode);
/// A recursive query for `name` of `type`, class IN.
[[nodiscard]] std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type);
/// Parses a response to query `id`; errors on a short, mismatched or malformed message.
[[nodiscard]] core::Result<DnsAnswer> parse_dns_response(std::string_view message, std::uint16_t id);

}  // namespace noctua::probes
