#pragma once

// Private to noctua::probes: what the http and scenario kinds share — one authenticated
// exchange (with a single refresh on 401 TOKEN_EXPIRED), and judging a response against
// expected statuses, `expect` and `extract`.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes::detail {

/// `expect`, `extract` and `extract_labels` compiled once.
struct Checks {
    struct Extract {
        std::string name;
        Program program;
    };
    struct Label {
        std::string name;
        Program program;
        std::vector<std::string> allow;
    };
    std::vector<Program> expect;
    std::vector<Extract> extract;
    std::vector<Label> labels;

    [[nodiscard]] static core::Result<Checks> compile(const std::vector<std::string>& expect,
                                                      const std::vector<ExtractConfig>& extract,
                                                      const std::vector<ExtractLabelConfig>& labels);
};

/// The outcome of an exchange before judging: the response, or why auth failed.
struct Exchanged {
    core::HttpResponse response;
    std::string auth_error;  ///< non-empty: the token fetch failed, nothing was sent
};

/// Sends `request`, adding `config.auth`'s credentials when `use_auth` (an explicit
/// Authorization header in the request wins). On a 401 TOKEN_EXPIRED the token is dropped and
/// the request sent once more with a fresh one. `done` runs on an HttpClient thread.
void async_exchange(ProbeContext& ctx, const config::ProbeConfig& config, core::HttpRequest request,
                    bool use_auth, std::function<void(Exchanged)> done);

/// The request options every HTTP exchange of probe `c` shares: its timeout and `transport`
/// (TLS, proxy, limits, redirects).
[[nodiscard]] core::HttpRequest base_request(const config::ProbeConfig& c,
                                             const HttpTransport& transport);

/// Judges an exchange of probe `c` into `out` (success, failure_reason, message, values,
/// labels, cert): transport error, then `expected` statuses (none: any), then each `expect`,
/// then `extract`.
void judge(const Exchanged& x, const config::ProbeConfig& c,
           const std::vector<StatusRange>& expected, const Checks& checks, core::TimePoint now,
           ProbeResult& out);

}  // namespace noctua::probes::detail
