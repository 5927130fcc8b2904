// Fuzz target: alert rule templates, parsed as config parses them and rendered as the rule
// evaluator renders them when an alert fires. Rendering must never crash, recurse without
// bound or exceed its output bound, whatever the template.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "noctua/alerts/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace expr = noctua::config::expr;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto t = expr::parse_template(text);
    if (!t) return 0;
    const noctua::core::Labels labels{{"provider", "acme"}, {"country", "ng"}};
    const std::map<std::string, double> values{{"expected_per_hour", 1e300},
                                               {"nan", std::numeric_limits<double>::quiet_NaN()}};
    const noctua::alerts::Annotations own{{"summary", "traffic down"}};
    for (const double value : {0.41, -1e308, std::numeric_limits<double>::infinity(), 9.3e18}) {
        const noctua::alerts::TemplateData d{&labels, value, &values, &own};
        if (noctua::alerts::render(*t, d).size() > noctua::alerts::kMaxRenderedBytes) std::abort();
    }
    return 0;
}
