// The simulated provider's transaction reports.
#include "noctua/sim/provider.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/json.hpp"
#include "provider_http.hpp"

namespace noctua::sim {

Reply ProviderSim::report(const ServerRequest& req, std::string_view path) {
    const auto [size, page] = paging(req.query);
    auto country = core::query_param(req.query, "countryCode");
    auto op_id = core::query_param(req.query, "operatorId");
    auto op_name = core::query_param(req.query, "operatorName");
    auto custom = core::query_param(req.query, "customIdentifier");
    std::optional<core::TimePoint> start, end;
    for (auto [key, out] : {std::pair{"startDate", &start}, std::pair{"endDate", &end}}) {
        if (auto v = core::query_param(req.query, key); v && !v->empty()) {
            *out = parse_api_time(*v);
            if (!*out) {
                return Reply{app_error(400, fmt::format("{} must be yyyy-MM-dd HH:mm:ss", key),
                                       std::nullopt, path)};
            }
        }
    }
    std::vector<std::string> items;
    // Newest first, as the real report lists them.
    for (auto it = transactions_.rbegin(); it != transactions_.rend(); ++it) {
        auto& t = it->second;
        settle(t);
        if (country && !country->empty() && t.country != *country) continue;
        if (op_id && !op_id->empty() && std::to_string(t.operator_id) != *op_id) continue;
        if (op_name && !op_name->empty() && t.operator_name != *op_name) continue;
        if (custom && !custom->empty() && t.custom_identifier != *custom) continue;
        if (start && t.created < *start) continue;
        if (end && t.created > *end) continue;
        items.push_back(transaction_json(t, false));
    }
    return Reply{ok(page_json(items, size, page))};
}

Reply ProviderSim::report_one(std::string_view id, std::string_view path) {
    auto n = to_int(id);
    auto it = n ? transactions_.find(*n) : transactions_.end();
    if (it == transactions_.end()) {
        return Reply{app_error(404, "Transaction not found for given id", std::nullopt, path)};
    }
    settle(it->second);
    return Reply{ok(transaction_json(it->second, false))};
}

}  // namespace noctua::sim
