// Parsers for [[status_tests]] (a provider's daily end-to-end suite) and [status_reports].
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "noctua/core/cron.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr std::string_view kSuiteKeys[] = {
    "id",          "kind",      "max_pages",       "min_balance",          "notify",
    "page_size",   "phone",     "provider",  "retries",         "schedule",             "status_attempts",
    "status_poll_interval",     "step",            "steps",                "timeout",
    "timezone"};
constexpr std::string_view kStepKeys[] = {"retries", "timeout"};
constexpr std::string_view kReportKeys[] = {"dir", "link_base", "receivers", "retention"};

}  // namespace

StatusTestConfig parse_status_test(const Section& s) {
    StatusTestConfig out;
    s.check_keys(kSuiteKeys);
    if (s.require("id")) s.read_string("id", out.id);
    if (s.require("provider")) s.read_string("provider", out.provider);
    read_kind(s, kSuiteKinds, out.kind);
    s.read_string("schedule", out.schedule);
    s.read_string("timezone", out.timezone);
    if (auto cron = core::CronSchedule::parse(out.schedule, out.timezone); !cron) {
        s.error(s.contains("timezone") && cron.error().message.starts_with("unknown time zone")
                    ? "timezone"
                    : "schedule",
                cron.error().message);
    }
    s.read_string("phone", out.phone);
    s.read_string_list("notify", out.notify);  // names checked against [[receivers]] in config.cpp
    s.read_number("min_balance", out.min_balance, 0, 1e15);
    s.read_int("page_size", out.page_size, 1, 1000);
    s.read_int("max_pages", out.max_pages, 1, 10000);
    s.read_int("status_attempts", out.status_attempts, 1, 1000);
    s.read_positive_duration("status_poll_interval", out.status_poll_interval);

    // Defaults every step inherits, then the order, then per-step overrides.
    StatusTestStepConfig defaults;
    s.read_int("retries", defaults.retries, 0, 10);
    s.read_positive_duration("timeout", defaults.timeout);
    std::vector<std::string> names(std::begin(kSuiteSteps), std::end(kSuiteSteps));
    if (s.read_string_list("steps", names)) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            const bool repeated = std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i),
                                            names[i]) != names.begin() + static_cast<std::ptrdiff_t>(i);
            if (!one_of(names[i], kSuiteSteps)) {
                s.error("steps", fmt::format("unknown step {} (known: {})", quote(names[i]),
                                             fmt::join(kSuiteSteps, ", ")));
            } else if (repeated) {
                s.error("steps", fmt::format("step {} is listed twice", quote(names[i])));
            }
        }
        if (names.empty()) s.error("steps", "must list at least one step");
    }
    for (const auto& n : names) {
        auto step = defaults;
        step.name = n;
        out.steps.push_back(std::move(step));
    }
    if (auto table = s.subtable("step")) {
        for (const auto& [key, node] : table->table()) {
            const std::string name(key.str());
            auto it = std::find_if(out.steps.begin(), out.steps.end(),
                                   [&](const auto& st) { return st.name == name; });
            if (it == out.steps.end()) {
                table->error(name, fmt::format("{} is not one of this suite's steps", quote(name)));
                continue;
            }
            if (auto sub = table->subtable(name)) {
                sub->check_keys(kStepKeys);
                sub->read_int("retries", it->retries, 0, 10);
                sub->read_positive_duration("timeout", it->timeout);
            }
        }
    }
    return out;
}

void parse_status_reports(const Section& s, StatusReportsConfig& out) {
    s.check_keys(kReportKeys);
    if (s.read_string("dir", out.dir) && out.dir.empty()) s.error("dir", "must not be empty");
    s.read_positive_duration("retention", out.retention);
    s.read_string_list("receivers", out.receivers);  // checked against [[receivers]] in config.cpp
    std::string link;
    if (s.read_string("link_base", link)) {
        if (auto problem = http_url_problem(link)) {
            s.error("link_base", std::move(*problem));
        } else {
            while (link.ends_with('/')) link.pop_back();
            out.link_base = std::move(link);
        }
    }
}

}  // namespace noctua::config::detail
