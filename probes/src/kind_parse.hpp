#pragma once

// Private to noctua::probes: how the probe kinds read the keys several of them share
// (expectations, extraction, templates, target, TLS and transport options) from their
// `[[probes]]` entry. Each reports into the Section's LoadContext at the key's position, and
// leaves the output untouched when the value is absent or bad.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/probe_kind.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes::detail {

inline constexpr std::string_view kHttpRoots[] = {"body",    "cert",  "header", "headers",
                                                  "latency", "phase", "status"};
inline constexpr std::string_view kMethods[] = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                                "PATCH",  "POST", "PUT"};

/// Names of earlier scenario steps that `steps.<name>` may refer to.
using StepNames = std::vector<std::string>;

/// Parses and checks one expression string at `node` (reported as `key_path`): its syntax,
/// its roots among `roots`, its functions, and with `steps` its `steps.<name>` references.
/// True when valid.
bool check_expression(const config::Section& s, const toml::node& node, const std::string& key_path,
                      std::span<const std::string_view> roots, const StepNames* steps);
/// check_expression() for a `{{ }}` template string (a scenario step's url, header, body).
bool check_template(const config::Section& s, const toml::node& node, const std::string& key_path,
                    const StepNames& steps);

/// `expect`: an array of expression strings over `roots`.
void read_expect(const config::Section& s, std::span<const std::string_view> roots,
                 const StepNames* steps, std::vector<std::string>& out);
/// `extract`: a table of names to expressions over `roots`.
void read_extract(const config::Section& s, std::span<const std::string_view> roots,
                  const StepNames* steps, std::vector<ExtractConfig>& out);
/// `method`: one of kMethods.
void read_method(const config::Section& s, std::string& out);
/// `target`, required: "host:port".
void read_target(const config::Section& s, std::string& out);
/// `ip_version`: 4 or 6.
void read_ip_version(const config::Section& s, int& out);
/// `tls_insecure`, `tls_ca_file`, `tls_cert_file`, `tls_key_file`.
void read_tls_client(const config::Section& s, TlsClientOptions& out);
/// The transport keys: max_response_size, follow_redirects, max_redirects, the TLS client keys,
/// ip_version, proxy and keep_alive.
void read_transport(const config::Section& s, HttpTransport& out);

}  // namespace noctua::probes::detail
