// Parsers for [[status_tests]] (a provider's daily end-to-end suite: the keys every kind
// shares; each kind's parser reads its own and its steps) and [status_reports].
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "noctua/config/suite_kind.hpp"
#include "noctua/core/cron.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config {

std::vector<StatusTestStepConfig> read_suite_steps(const Section& s,
                                                   std::span<const std::string_view> known) {
    constexpr std::string_view kStepKeys[] = {"retries", "timeout"};
    // Defaults every step inherits, then the order, then per-step overrides.
    StatusTestStepConfig defaults;
    s.read_int("retries", defaults.retries, 0, 10);
    s.read_positive_duration("timeout", defaults.timeout);
    std::vector<std::string> names(known.begin(), known.end());
    if (s.read_string_list("steps", names)) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            const auto before = names.begin() + static_cast<std::ptrdiff_t>(i);
            if (!detail::one_of(names[i], known)) {
                s.error("steps", fmt::format("unknown step {} (known: {})", detail::quote(names[i]),
                                             fmt::join(known, ", ")));
            } else if (std::find(names.begin(), before, names[i]) != before) {
                s.error("steps", fmt::format("step {} is listed twice", detail::quote(names[i])));
            }
        }
        if (names.empty()) s.error("steps", "must list at least one step");
    }
    std::vector<StatusTestStepConfig> out;
    for (const auto& n : names) {
        auto step = defaults;
        step.name = n;
        out.push_back(std::move(step));
    }
    if (auto table = s.subtable("step")) {
        for (const auto& [key, node] : table->table()) {
            const std::string name(key.str());
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const auto& st) { return st.name == name; });
            if (it == out.end()) {
                table->error(
                    name, fmt::format("{} is not one of this suite's steps", detail::quote(name)));
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

}  // namespace noctua::config

namespace noctua::config::detail {
namespace {

constexpr std::string_view kReportKeys[] = {"dir", "link_base", "receivers", "retention"};

}  // namespace

StatusTestConfig parse_status_test(const Section& s, const KindParsers& kinds) {
    StatusTestConfig out;
    if (s.require("id")) s.read_string("id", out.id);
    if (s.require("provider")) s.read_string("provider", out.provider);
    // Without `kind`, the default kind's keys apply.
    const bool known = !s.contains("kind") || read_kind(s, kSuiteKinds, out.kind);
    check_family_keys(s, kSuiteCommonKeys, kinds.suites(), known ? out.kind : "", "status tests");
    s.read_string("schedule", out.schedule);
    s.read_string("timezone", out.timezone);
    if (auto cron = core::CronSchedule::parse(out.schedule, out.timezone); !cron) {
        s.error(s.contains("timezone") && cron.error().message.starts_with("unknown time zone")
                    ? "timezone"
                    : "schedule",
                cron.error().message);
    }
    s.read_string_list("notify", out.notify);  // names checked against [[receivers]] in config.cpp
    const auto kind = kinds.suites().find(out.kind);
    if (known && kind != kinds.suites().end()) out.options = kind->second.parse(s, out);
    return out;
}

void parse_status_reports(const Section& s, StatusReportsConfig& out) {
    s.check_keys(kReportKeys);
    if (s.read_string("dir", out.dir) && out.dir.empty()) s.error("dir", "must not be empty");
    s.read_positive_duration("retention", out.retention);
    s.read_string_list("receivers", out.receivers);  // checked against [[receivers]] in config.cpp
    read_base_url(s, "link_base", out.link_base);
}

}  // namespace noctua::config::detail
