// The simulated provider's top-ups: ordering, settling, status.
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
// Top-ups

void ProviderSim::remember(ApiTransaction t) {
    if (transactions_.size() >= kMaxTransactions) {
        custom_ids_.erase(transactions_.begin()->second.custom_identifier);
        transactions_.erase(transactions_.begin());
    }
    if (!t.custom_identifier.empty()) custom_ids_[t.custom_identifier] = t.id;
    transactions_[t.id] = std::move(t);
}

void ProviderSim::settle(ApiTransaction& t) {
    if (t.status != "PROCESSING" || clock_.now() < t.completes_at) return;
    t.status = t.final_status;
    if (t.status != "SUCCESSFUL") {
        balance_ += t.cost;
        balance_updated_ = clock_.now();
    }
}

std::string ProviderSim::transaction_json(const ApiTransaction& t, bool with_balance) {
    JsonWriter w;
    if (spec_.flavour == Flavour::giftcards) {
        const Operator* product = find_operator(t.operator_id);
        w.begin_object()
            .field("transactionId", t.id)
            .field("amount", round2(t.cost))
            .field("discount", round2(t.discount))
            .field("currencyCode", spec_.currency)
            .field("fee", 0.5 * t.quantity)
            .field("smsFee", 0.0)
            .field("recipientEmail", t.recipient_email);
        w.key("recipientPhone");
        if (t.recipient_phone.empty()) w.null();
        else w.value(t.recipient_phone);
        w.key("customIdentifier");
        if (t.custom_identifier.empty()) w.null();
        else w.value(t.custom_identifier);
        w.field("status", t.status).field("transactionCreatedTime", format_api_time(t.created));
        w.key("product").begin_object()
            .field("productId", t.operator_id)
            .field("productName", t.operator_name)
            .field("countryCode", t.country)
            .field("quantity", t.quantity)
            .field("unitPrice", t.unit_price)
            .field("totalPrice", t.unit_price * t.quantity)
            .field("currencyCode", t.delivered_currency);
        w.key("brand").begin_object()
            .field("brandId", product != nullptr ? product->id / 7 : t.operator_id / 7)
            .field("brandName", t.operator_name.substr(0, t.operator_name.rfind(' ')))
            .end_object();
        w.end_object().end_object();
        return std::move(w).str();
    }
    w.begin_object()
        .field("transactionId", t.id)
        .field("status", t.status)
        .field("operatorTransactionId", fmt::format("OP{:010}", t.id * 7919 % 10'000'000'000))
        .key("customIdentifier");
    if (t.custom_identifier.empty()) w.null();
    else w.value(t.custom_identifier);
    w.field("recipientPhone", t.recipient_phone).key("recipientEmail").null().key("senderPhone");
    if (t.sender_phone.empty()) w.null();
    else w.value(t.sender_phone);
    w.field("countryCode", t.country)
        .field("operatorId", t.operator_id)
        .field("operatorName", t.operator_name)
        .field("discount", round2(t.discount))
        .field("discountCurrencyCode", spec_.currency)
        .field("requestedAmount", t.requested_amount)
        .field("requestedAmountCurrencyCode", spec_.currency)
        .field("deliveredAmount", round2(t.delivered_amount))
        .field("deliveredAmountCurrencyCode", t.delivered_currency)
        .field("transactionDate", format_api_time(t.created))
        .key("pinDetail").null()
        .key("balanceInfo");
    if (with_balance) {
        w.begin_object()
            .field("oldBalance", round2(t.old_balance))
            .field("newBalance", round2(t.new_balance))
            .field("currencyCode", spec_.currency)
            .field("currencyName", currency_name(spec_.currency))
            .field("updatedAt", format_api_time(t.created))
            .end_object();
    } else {
        w.null();
    }
    w.end_object();
    return std::move(w).str();
}

Reply ProviderSim::topup(const ServerRequest& req, std::string_view path, bool async) {
    JsonBody body;
    if (!parse_body(body, req.body)) {
        return Reply{spring_error(400, "Bad Request", "JSON parse error", path)};
    }
    auto operator_id = json_number(body.obj, "operatorId");
    if (!operator_id) return Reply{app_error(400, "operatorId is required", std::nullopt, path)};
    auto amount = json_number(body.obj, "amount");
    if (!amount) return Reply{app_error(400, "amount is required", std::nullopt, path)};
    simdjson::dom::object recipient;
    if (body.obj["recipientPhone"].get_object().get(recipient) != simdjson::SUCCESS) {
        return Reply{app_error(400, "recipientPhone is required", std::nullopt, path)};
    }
    const auto phone = json_string(recipient, "number").value_or("");
    const auto phone_country = json_string(recipient, "countryCode").value_or("");
    std::string sender_phone;
    simdjson::dom::object sender;
    if (body.obj["senderPhone"].get_object().get(sender) == simdjson::SUCCESS) {
        sender_phone = json_string(sender, "number").value_or("");
    }
    const auto custom_id = json_string(body.obj, "customIdentifier").value_or("");
    const bool use_local = json_bool(body.obj, "useLocalAmount");

    if (*amount <= 0) return Reply{app_error(400, "The amount is not valid", "INVALID_AMOUNT", path)};
    const Operator* op = find_operator(static_cast<std::int64_t>(*operator_id));
    if (op == nullptr) {
        return Reply{app_error(404, "Operator not found for given id", std::nullopt, path)};
    }
    if (!valid_phone(phone) || (!phone_country.empty() && phone_country != op->country)) {
        return Reply{app_error(400, "Recipient phone number is not valid", "INVALID_RECIPIENT_PHONE", path)};
    }
    if (auto refused = refuse_order(*op, custom_id,
                                    "The operator is currently unavailable or inactive", path)) {
        return std::move(*refused);
    }
    const double sender_amount = use_local ? *amount / op->fx_rate : *amount;
    const bool amount_ok =
        op->fixed ? std::any_of(op->fixed_amounts.begin(), op->fixed_amounts.end(),
                                [&](double a) { return std::abs(a - sender_amount) < 0.005; })
                  : sender_amount >= op->min_amount - 1e-9 && sender_amount <= op->max_amount + 1e-9;
    if (!amount_ok) {
        return Reply{app_error(400, "The amount is not valid for the selected operator",
                               "INVALID_AMOUNT_FOR_OPERATOR", path)};
    }
    const auto now = clock_.now();
    if (auto it = last_recharge_.find(phone); it != last_recharge_.end() && now - it->second < kRecentRecharge) {
        return Reply{app_error(400, "The phone number was recharged recently, please try again later",
                               "PHONE_RECENTLY_RECHARGED", path)};
    }
    const double discount = sender_amount * op->commission / 100.0;
    const double cost = sender_amount - discount;
    const double old_balance = balance();
    if (old_balance < cost) {
        return Reply{app_error(400, "Your balance is insufficient to perform this transaction",
                               "INSUFFICIENT_BALANCE", path)};
    }
    balance_ = old_balance - cost;
    balance_updated_ = now;
    if (last_recharge_.size() > 100'000) {
        std::erase_if(last_recharge_, [&](const auto& kv) { return now - kv.second >= kRecentRecharge; });
    }
    last_recharge_[phone] = now;

    ApiTransaction t;
    t.id = next_transaction_id_++;
    t.created = now;
    t.custom_identifier = custom_id;
    t.recipient_phone = phone;
    t.sender_phone = sender_phone;
    t.country = op->country;
    t.operator_id = op->id;
    t.operator_name = op->name;
    t.requested_amount = sender_amount;
    t.delivered_amount = sender_amount * op->fx_rate;
    t.delivered_currency = op->destination_currency;
    t.cost = cost;
    t.discount = discount;
    t.old_balance = old_balance;
    t.new_balance = balance_;
    if (async) {
        t.status = "PROCESSING";
        t.completes_at = now + std::chrono::milliseconds{2000 + static_cast<std::int64_t>(rng_.below(6000))};
        const double u = rng_.uniform();
        t.final_status = u < 0.9 ? "SUCCESSFUL" : u < 0.97 ? "FAILED" : "REFUNDED";
    } else {
        t.status = "SUCCESSFUL";
        t.completes_at = now;
        t.final_status = "SUCCESSFUL";
    }
    const auto id = t.id;
    std::string json = async ? fmt::format(R"({{"transactionId":{}}})", id) : transaction_json(t, true);
    remember(std::move(t));
    return Reply{ok(std::move(json))};
}

Reply ProviderSim::topup_status(std::string_view id, std::string_view path) {
    auto* found = find_transaction(id);
    if (found == nullptr) return transaction_not_found(path);
    settle(*found);
    const auto& t = *found;
    JsonWriter w;
    w.begin_object();
    if (t.status == "FAILED") {
        w.field("code", "TOPUP_TRANSACTION_FAILED").field("message", "The top-up was rejected by the operator");
    } else {
        w.key("code").null().key("message").null();
    }
    w.field("status", t.status).key("transaction").raw(transaction_json(t, false)).end_object();
    return Reply{ok(std::move(w).str())};
}

}  // namespace noctua::sim
