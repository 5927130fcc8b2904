// The simulated provider's account balance and top-up catalogue (operators).
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

// ---------------------------------------------------------------------------------------------
// Account and catalogue

Reply ProviderSim::balance_endpoint(std::string_view) {
    for (auto& [id, t] : transactions_) settle(t);
    const double b = balance();
    JsonWriter w;
    w.begin_object()
        .field("balance", round2(b))
        .field("currencyCode", spec_.currency)
        .field("currencyName", currency_name(spec_.currency))
        .field("updatedAt", format_api_time(balance_updated_))
        .end_object();
    return Reply{ok(std::move(w).str())};
}

const Operator* ProviderSim::find_operator(std::int64_t id) const {
    for (const auto& op : catalogue_) {
        if (op.id == id) return &op;
    }
    return nullptr;
}

std::string ProviderSim::operator_json(const Operator& op) {
    const auto info = country_info(op.country);
    const double popular = op.fixed ? op.fixed_amounts[op.fixed_amounts.size() / 2]
                                    : spec_.amounts[spec_.amounts.size() / 2];
    JsonWriter w;
    w.begin_object()
        .field("id", op.id)
        .field("operatorId", op.id)
        .field("name", op.name)
        .field("bundle", false)
        .field("data", op.data)
        .field("pin", false)
        .field("supportsLocalAmounts", true)
        .field("denominationType", op.fixed ? "FIXED" : "RANGE")
        .field("senderCurrencyCode", spec_.currency)
        .field("senderCurrencySymbol", currency_symbol(spec_.currency))
        .field("destinationCurrencyCode", op.destination_currency)
        .field("destinationCurrencySymbol", currency_symbol(op.destination_currency))
        .field("commission", op.commission)
        .field("internationalDiscount", op.commission)
        .field("localDiscount", 0.0)
        .field("mostPopularAmount", popular);
    auto amount_or_null = [&](std::string_view key, double v) {
        w.key(key);
        if (op.fixed) w.null();
        else w.value(v);
    };
    amount_or_null("minAmount", op.min_amount);
    amount_or_null("maxAmount", op.max_amount);
    amount_or_null("localMinAmount", round2(op.min_amount * op.fx_rate));
    amount_or_null("localMaxAmount", round2(op.max_amount * op.fx_rate));
    w.key("country").begin_object().field("isoName", op.country).field("name", info.name).end_object();
    w.key("fx").begin_object().field("rate", op.fx_rate).field("currencyCode", op.destination_currency).end_object();
    w.key("logoUrls").begin_array()
        .value(fmt::format("https://s3.amazonaws.com/rld-operator/{}-1.png", op.id))
        .end_array();
    w.key("fixedAmounts").begin_array();
    for (double a : op.fixed_amounts) w.value(a);
    w.end_array();
    w.key("fixedAmountsDescriptions").begin_object().end_object();
    w.key("localFixedAmounts").begin_array();
    for (double a : op.fixed_amounts) w.value(round2(a * op.fx_rate));
    w.end_array();
    w.key("suggestedAmounts").begin_array();
    for (double a : spec_.amounts) w.value(a);
    w.end_array();
    w.key("suggestedAmountsMap").begin_object().end_object();
    w.key("promotions").begin_array().end_array();
    w.end_object();
    return std::move(w).str();
}

Reply ProviderSim::operators_page(const ServerRequest& req, std::string_view) {
    const auto [size, page] = paging(req.query);
    std::vector<std::string> items;
    for (const auto& op : catalogue_) items.push_back(operator_json(op));
    return Reply{ok(page_json(items, size, page))};
}

Reply ProviderSim::operator_by_id(std::string_view id, std::string_view path) {
    auto n = to_int(id);
    const Operator* op = n ? find_operator(*n) : nullptr;
    if (op == nullptr) {
        return Reply{app_error(404, "Operator not found for given id", std::nullopt, path)};
    }
    return Reply{ok(operator_json(*op))};
}

Reply ProviderSim::operators_by_country(std::string_view iso, std::string_view path) {
    return catalogue_by_country(iso, path,
                                [this](const Operator& op) { return operator_json(op); });
}

Reply ProviderSim::catalogue_by_country(
    std::string_view iso, std::string_view path,
    const std::function<std::string(const Operator&)>& to_json) {
    std::string json = "[";
    bool any = false;
    for (const auto& op : catalogue_) {
        if (op.country != iso) continue;
        if (any) json += ',';
        json += to_json(op);
        any = true;
    }
    json += ']';
    if (!any && std::find(spec_.countries.begin(), spec_.countries.end(), iso) == spec_.countries.end()) {
        return Reply{app_error(404, "Country not found for given ISO code", "COUNTRY_NOT_SUPPORTED", path)};
    }
    return Reply{ok(std::move(json))};
}

}  // namespace noctua::sim
