// The simulated provider's gift cards: products and orders.
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
// Gift cards

namespace {

std::string product_json_of(const Operator& p, std::string_view sender_currency) {
    const auto info = country_info(p.country);
    JsonWriter w;
    w.begin_object()
        .field("productId", p.id)
        .field("productName", p.name)
        .field("global", false)
        .field("senderFee", 0.5)
        .field("discountPercentage", p.commission)
        .field("denominationType", "FIXED")
        .field("recipientCurrencyCode", p.destination_currency)
        .key("minRecipientDenomination").null()
        .key("maxRecipientDenomination").null()
        .field("senderCurrencyCode", sender_currency)
        .key("minSenderDenomination").null()
        .key("maxSenderDenomination").null();
    w.key("fixedRecipientDenominations").begin_array();
    for (double a : p.fixed_amounts) w.value(a);
    w.end_array().key("fixedSenderDenominations").begin_array();
    for (double a : p.fixed_amounts) w.value(round2(a / p.fx_rate));
    w.end_array().key("fixedRecipientToSenderDenominationsMap").begin_object();
    for (double a : p.fixed_amounts) w.field(fmt::format("{:.1f}", a), round2(a / p.fx_rate));
    w.end_object();
    w.key("logoUrls").begin_array().value(fmt::format("https://cdn.reloadly.com/giftcards/{}.png", p.id)).end_array();
    w.key("brand").begin_object()
        .field("brandId", p.id / 7)
        .field("brandName", p.name.substr(0, p.name.rfind(' ')))
        .end_object();
    w.key("country").begin_object()
        .field("isoName", p.country)
        .field("name", info.name)
        .field("flagUrl", fmt::format("https://s3.amazonaws.com/rld-flags/{}.svg", p.country))
        .end_object();
    w.key("redeemInstruction").begin_object()
        .field("concise", "Redeem the code in the brand's store.")
        .field("verbose", "Sign in to your account, choose Redeem a gift card and enter the code.")
        .end_object();
    w.end_object();
    return std::move(w).str();
}

}  // namespace

Reply ProviderSim::products_page(const ServerRequest& req, std::string_view) {
    const auto [size, page] = paging(req.query);
    std::vector<std::string> items;
    for (const auto& p : catalogue_) items.push_back(product_json_of(p, spec_.currency));
    return Reply{ok(page_json(items, size, page))};
}

Reply ProviderSim::product_by_id(std::string_view id, std::string_view path) {
    auto n = to_int(id);
    const Operator* p = n ? find_operator(*n) : nullptr;
    if (p == nullptr) return Reply{app_error(404, "Product not found for given id", std::nullopt, path)};
    return Reply{ok(product_json_of(*p, spec_.currency))};
}

Reply ProviderSim::products_by_country(std::string_view iso, std::string_view path) {
    return catalogue_by_country(
        iso, path, [this](const Operator& p) { return product_json_of(p, spec_.currency); });
}

Reply ProviderSim::order(const ServerRequest& req, std::string_view path) {
    JsonBody body;
    if (!parse_body(body, req.body)) {
        return Reply{spring_error(400, "Bad Request", "JSON parse error", path)};
    }
    auto product_id = json_number(body.obj, "productId");
    auto quantity = json_number(body.obj, "quantity");
    auto unit_price = json_number(body.obj, "unitPrice");
    auto sender_name = json_string(body.obj, "senderName");
    auto email = json_string(body.obj, "recipientEmail");
    for (auto [ok_, name] : {std::pair{product_id.has_value(), "productId"},
                             std::pair{quantity.has_value(), "quantity"},
                             std::pair{unit_price.has_value(), "unitPrice"},
                             std::pair{sender_name.has_value(), "senderName"},
                             std::pair{email.has_value(), "recipientEmail"}}) {
        if (!ok_) return Reply{app_error(400, fmt::format("{} is required", name), std::nullopt, path)};
    }
    const auto custom_id = json_string(body.obj, "customIdentifier").value_or("");
    std::string phone;
    simdjson::dom::object phone_details;
    if (body.obj["recipientPhoneDetails"].get_object().get(phone_details) == simdjson::SUCCESS) {
        phone = json_string(phone_details, "phoneNumber").value_or("");
    }
    const Operator* p = find_operator(static_cast<std::int64_t>(*product_id));
    if (p == nullptr) return Reply{app_error(404, "Product not found for given id", std::nullopt, path)};
    const int qty = static_cast<int>(*quantity);
    if (qty < 1 || qty > 10 || static_cast<double>(qty) != *quantity) {
        return Reply{app_error(400, "quantity must be between 1 and 10", std::nullopt, path)};
    }
    if (!std::any_of(p->fixed_amounts.begin(), p->fixed_amounts.end(),
                     [&](double a) { return std::abs(a - *unit_price) < 0.005; })) {
        return Reply{app_error(400, "Invalid price, please ensure you selected the right price.",
                               std::nullopt, path)};
    }
    if (auto refused = refuse_order(*p, custom_id, "The product is currently unavailable", path)) {
        return std::move(*refused);
    }
    const double face = *unit_price * qty / p->fx_rate;
    const double discount = face * p->commission / 100.0;
    const double cost = face - discount + 0.5 * qty;
    const double old_balance = balance();
    if (old_balance < cost) {
        return Reply{app_error(400, "Your balance is insufficient to perform this transaction",
                               "INSUFFICIENT_BALANCE", path)};
    }
    const auto now = clock_.now();
    balance_ = old_balance - cost;
    balance_updated_ = now;
    ApiTransaction t;
    t.id = next_transaction_id_++;
    t.status = "SUCCESSFUL";
    t.final_status = "SUCCESSFUL";
    t.created = now;
    t.completes_at = now;
    t.custom_identifier = custom_id;
    t.recipient_email = *email;
    t.recipient_phone = phone;
    t.country = p->country;
    t.operator_id = p->id;
    t.operator_name = p->name;
    t.requested_amount = face;
    t.delivered_amount = *unit_price * qty;
    t.delivered_currency = p->destination_currency;
    t.cost = cost;
    t.discount = discount;
    t.old_balance = old_balance;
    t.new_balance = balance_;
    t.quantity = qty;
    t.unit_price = *unit_price;
    t.sender_name = *sender_name;
    std::string json = transaction_json(t, false);
    remember(std::move(t));
    return Reply{ok(std::move(json))};
}

Reply ProviderSim::order_cards(std::string_view id, std::string_view path) {
    auto* t = find_transaction(id);
    if (t == nullptr) return transaction_not_found(path);
    JsonWriter w;
    w.begin_array();
    for (int i = 0; i < t->quantity; ++i) {
        // Derived from the id so the same order always shows the same codes.
        const auto x = static_cast<std::uint64_t>(t->id) * 0x9E3779B97F4A7C15ULL +
                       static_cast<std::uint64_t>(i);
        w.begin_object()
            .field("cardNumber", fmt::format("{:016}", x % 10'000'000'000'000'000ULL))
            .field("pinCode", fmt::format("{:04}", (x >> 20) % 10'000))
            .end_object();
    }
    w.end_array();
    return Reply{ok(std::move(w).str())};
}

}  // namespace noctua::sim
