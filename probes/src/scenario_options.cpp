// The `scenario` kind's own keys of a `[[probes]]` entry: its steps (each with templates,
// expectations over earlier steps, polling) and the transport options they share. Paths of
// steps are resolved against the provider's base_url.
#include <algorithm>

#include <fmt/format.h>

#include "kind_parse.hpp"
#include "kinds.hpp"
#include "noctua/probes/kinds/scenario.hpp"

namespace noctua::probes {
namespace {

using config::Section;
using detail::StepNames;

constexpr std::string_view kStepRoots[] = {"body",    "cert",  "env",    "header", "headers",
                                           "latency", "phase", "status", "steps"};
constexpr std::string_view kStepKeys[] = {"always_run", "attempts",      "auth",   "body", "expect",
                                          "extract",    "headers",       "method", "name", "path",
                                          "until",      "poll_interval", "url"};

void read_step_url(const Section& st, const StepNames& earlier, ScenarioStep& step) {
    const bool has_path = st.contains("path");
    const bool has_url = st.contains("url");
    if (!has_path && !has_url) {
        st.error("one of path (relative to the provider's base_url) or url is required");
        return;
    }
    if (has_path && has_url) {
        st.error("url", "set only one of path or url");
        return;
    }
    const std::string_view key = has_path ? "path" : "url";
    std::string value;
    if (!st.read_string(key, value) ||
        !detail::check_template(st, *st.node(key), st.path_of(key), earlier)) {
        return;
    }
    // The literal parts must make a URL whatever the holes expand to.
    const std::string filled = config::fill_template_holes(value);
    const auto problem = has_path || value.starts_with("{{") ? config::path_problem(filled)
                                                             : config::http_url_problem(filled);
    if (has_path && !value.starts_with('/')) {
        st.error("path", fmt::format("path {} must start with '/'", config::quoted(value)));
    } else if (problem) {
        st.error(key, *problem);
    } else {
        step.url = std::move(value);
    }
}

void read_step_headers(const Section& st, const StepNames& earlier, ScenarioStep& step) {
    const toml::node* h = st.node("headers");
    if (h == nullptr) return;
    const auto* table = h->as_table();
    if (table == nullptr) {
        st.error("headers", "expected a table such as { Accept = \"application/json\" }");
        return;
    }
    const Section hs(*table, st.path_of("headers"), st.context());
    for (auto&& [k, v] : *table) {
        const std::string name(k.str());
        if (!config::is_header_name(name)) {
            hs.error(name, fmt::format("invalid header name {}", config::quoted(name)));
        } else if (!v.is_string()) {
            hs.error(name, fmt::format("expected a string, got {}", config::type_name(v.type())));
        } else if (auto bad = config::header_value_problem(v.as_string()->get())) {
            hs.error(name, *bad);
        } else if (detail::check_template(hs, v, hs.path_of(name), earlier)) {
            step.headers.emplace_back(name, v.as_string()->get());
        }
    }
}

ScenarioStep parse_step(const Section& st, StepNames& earlier) {
    ScenarioStep step;
    st.check_keys(kStepKeys);
    if (st.require("name") && st.read_string("name", step.name)) {
        if (!config::is_label_name(step.name)) {
            st.error("name", fmt::format("invalid step name {}: must match [a-zA-Z_][a-zA-Z0-9_]* "
                                         "(it is used as steps.<name>)",
                                         config::quoted(step.name)));
        } else if (std::find(earlier.begin(), earlier.end(), step.name) != earlier.end()) {
            st.error("name", fmt::format("duplicate step name {}", config::quoted(step.name)));
        }
    }
    detail::read_method(st, step.method);
    read_step_url(st, earlier, step);
    read_step_headers(st, earlier, step);
    if (st.read_string("body", step.body)) {
        detail::check_template(st, *st.node("body"), st.path_of("body"), earlier);
    }
    detail::read_expect(st, kStepRoots, &earlier, step.expect);
    detail::read_extract(st, kStepRoots, &earlier, step.extract);
    st.read_bool("always_run", step.always_run);
    st.read_bool("auth", step.auth);
    if (st.contains("until") && detail::check_expression(st, *st.node("until"), st.path_of("until"),
                                                         kStepRoots, &earlier)) {
        step.until = st.node("until")->as_string()->get();
    }
    st.read_int("attempts", step.attempts, 1, 100);
    st.read_positive_duration("poll_interval", step.poll_interval);
    if (!step.until.empty() && !st.contains("attempts")) step.attempts = 10;
    if (step.until.empty() && st.contains("attempts")) {
        st.error("attempts", "attempts needs until (the condition that ends the polling)");
    }
    if (!step.name.empty()) earlier.push_back(step.name);
    return step;
}

}  // namespace

config::KindOptions parse_scenario(const Section& s, const config::ProbeConfig& common,
                                   const config::ProviderConfig* provider) {
    ScenarioOptions out;
    if (s.require("steps")) {
        StepNames earlier;
        for (auto& st : s.table_array("steps")) out.steps.push_back(parse_step(st, earlier));
        if (out.steps.empty()) s.error("steps", "a scenario needs at least one step");
    }
    detail::read_transport(s, out.transport);
    if (provider == nullptr) return config::KindOptions::of(std::move(out));
    for (auto& step : out.steps) {
        if (!step.url.starts_with('/')) continue;
        if (provider->base_url.empty()) {
            s.error("steps",
                    fmt::format("step {} uses path but provider {} has no base_url",
                                config::quoted(step.name), config::quoted(common.provider)));
            continue;
        }
        step.url = provider->base_url + step.url;
    }
    return config::KindOptions::of(std::move(out));
}

}  // namespace noctua::probes
