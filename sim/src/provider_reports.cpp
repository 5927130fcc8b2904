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
    auto* t = find_transaction(id);
    if (t == nullptr) return transaction_not_found(path);
    settle(*t);
    return Reply{ok(transaction_json(*t, false))};
}

ApiTransaction* ProviderSim::find_transaction(std::string_view id) {
    const auto n = to_int(id);
    if (!n) return nullptr;
    auto it = transactions_.find(*n);
    return it == transactions_.end() ? nullptr : &it->second;
}

Reply ProviderSim::transaction_not_found(std::string_view path) {
    return Reply{app_error(404, "Transaction not found for given id", std::nullopt, path)};
}

}  // namespace noctua::sim
