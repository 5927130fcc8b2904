// `[[providers.maintenance]]`: recurring maintenance windows of one provider. Each window is an
// inline period (Alertmanager's time_intervals fields), names `[[time_intervals]]`, or both
// (then either matching mutes).
#include <algorithm>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr std::string_view kMaintenanceKeys[] = {"comment", "days_of_month", "location",
                                                 "months",  "time_intervals", "times",
                                                 "weekdays", "years"};
constexpr std::string_view kPeriodFields[] = {"days_of_month", "location", "months",
                                              "times",         "weekdays", "years"};

}  // namespace

std::vector<MaintenanceWindow> parse_maintenance(const Section& provider) {
    std::vector<MaintenanceWindow> out;
    for (const auto& w : provider.table_array("maintenance")) {
        w.check_keys(kMaintenanceKeys);
        MaintenanceWindow window;
        const bool inline_period =
            std::any_of(std::begin(kPeriodFields), std::end(kPeriodFields),
                        [&](std::string_view k) { return w.contains(k); });
        if (inline_period) window.period = parse_period(w);
        w.read_string_list("time_intervals", window.time_intervals);
        if (!inline_period && window.time_intervals.empty()) {
            // An empty period would match all the time: the provider's alerts would never page.
            w.error("a maintenance window needs times, weekdays, days_of_month, months or years, "
                    "or time_intervals naming [[time_intervals]]");
        }
        w.read_string("comment", window.comment);
        out.push_back(std::move(window));
    }
    return out;
}

void check_maintenance_references(const Section& provider, const ProviderConfig& config,
                                  const std::vector<std::string>& interval_names) {
    const auto sections = provider.table_array("maintenance");
    for (std::size_t i = 0; i < sections.size() && i < config.maintenance.size(); ++i) {
        for (const auto& name : config.maintenance[i].time_intervals) {
            if (std::find(interval_names.begin(), interval_names.end(), name) !=
                interval_names.end()) {
                continue;
            }
            sections[i].error("time_intervals",
                              unknown_message("time interval", "time_intervals", name,
                                              interval_names, true));
        }
    }
}

}  // namespace noctua::config::detail
