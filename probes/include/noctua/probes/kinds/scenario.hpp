#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "noctua/core/duration.hpp"
#include "noctua/probes/kinds/http.hpp"

namespace noctua::probes {

/// One step of a `kind = "scenario"` probe (`[[probes.steps]]`). Strings may hold `{{ }}`
/// templates.
struct ScenarioStep {
    std::string name;
    std::string method = "GET";
    std::string url;  ///< template; `path` steps are resolved against the provider's base_url
    std::vector<std::pair<std::string, std::string>> headers;  ///< values are templates
    std::string body;                                          ///< template
    std::vector<std::string> expect;
    std::vector<ExtractConfig> extract;
    bool always_run = false;  ///< runs even after a failed step (clean-up)
    bool auth = true;         ///< send the provider's credentials
    /// Poll: repeat the step until `until` holds, at most `attempts` times, `poll_interval` apart.
    std::string until;
    int attempts = 1;
    core::Duration poll_interval = std::chrono::seconds(1);
    /// Sends again after a failed exchange (transport error, unexpected status), not after a
    /// failed expectation; each try counts as one attempt.
    int retries = 0;
    core::Duration timeout{0};  ///< per request; 0: what is left of the scenario's timeout
    friend bool operator==(const ScenarioStep&, const ScenarioStep&) = default;
};

/// `kind = "scenario"`: its own keys of a `[[probes]]` entry: ordered steps sharing variables,
/// over one transport (docs/configuration.md).
struct ScenarioOptions {
    std::vector<ScenarioStep> steps;
    HttpTransport transport;  ///< its redirects are never followed
    friend bool operator==(const ScenarioOptions&, const ScenarioOptions&) = default;
};

}  // namespace noctua::probes
