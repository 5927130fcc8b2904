#include "noctua/sim/fleet.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "toml_util.hpp"

namespace noctua::sim {
namespace {

struct CountryRow {
    std::string_view iso, name, currency, prefix;
    std::string_view operators;  // '|'-separated
};

// Operators are the ones a real catalogue lists for the country (gift-card providers use
// brands instead, see provider.cpp).
const std::array<CountryRow, 14> kCountries{{
    {"ES", "Spain", "EUR", "34", "Movistar Spain|Vodafone Spain|Orange Spain|Yoigo|MasMovil"},
    {"PT", "Portugal", "EUR", "351", "MEO|Vodafone Portugal|NOS"},
    {"FR", "France", "EUR", "33", "Orange France|SFR|Bouygues Telecom|Free Mobile"},
    {"MX", "Mexico", "MXN", "52", "Telcel|Movistar Mexico|AT&T Mexico|Bait"},
    {"GT", "Guatemala", "GTQ", "502", "Tigo Guatemala|Claro Guatemala"},
    {"CO", "Colombia", "COP", "57", "Claro Colombia|Movistar Colombia|Tigo Colombia"},
    {"KE", "Kenya", "KES", "254", "Safaricom|Airtel Kenya|Telkom Kenya"},
    {"UG", "Uganda", "UGX", "256", "MTN Uganda|Airtel Uganda"},
    {"TZ", "Tanzania", "TZS", "255", "Vodacom Tanzania|Tigo Tanzania|Airtel Tanzania"},
    {"NG", "Nigeria", "NGN", "234", "MTN Nigeria|Glo Nigeria|Airtel Nigeria|9mobile"},
    {"US", "United States", "USD", "1", "AT&T|T-Mobile|Verizon"},
    {"GB", "United Kingdom", "GBP", "44", "EE|Vodafone UK|O2 UK|Three UK"},
    {"IN", "India", "INR", "91", "Airtel India|Jio|Vi"},
    {"PH", "Philippines", "PHP", "63", "Globe|Smart"},
}};

struct CurrencyRow {
    std::string_view code, name;
    double per_usd;
};

const std::array<CurrencyRow, 15> kCurrencies{{
    {"EUR", "Euro", 0.92},
    {"USD", "US Dollar", 1.0},
    {"GBP", "Pound Sterling", 0.79},
    {"MXN", "Mexican Peso", 17.0},
    {"GTQ", "Guatemalan Quetzal", 7.8},
    {"COP", "Colombian Peso", 3900.0},
    {"KES", "Kenyan Shilling", 130.0},
    {"UGX", "Ugandan Shilling", 3800.0},
    {"TZS", "Tanzanian Shilling", 2500.0},
    {"NGN", "Nigerian Naira", 1500.0},
    {"INR", "Indian Rupee", 83.0},
    {"PHP", "Philippine Peso", 56.0},
    {"CAD", "Canadian Dollar", 1.36},
    {"BRL", "Brazilian Real", 5.0},
    {"ZAR", "South African Rand", 18.5},
}};

std::optional<Flavour> parse_flavour(std::string_view s) {
    if (s == "airtime" || s == "topups") return Flavour::airtime;
    if (s == "giftcards" || s == "giftcard") return Flavour::giftcards;
    return std::nullopt;
}

// "+01:00", "-06:00", "+0530" or "Z" → minutes east of UTC.
std::optional<int> parse_utc_offset(std::string_view s) {
    if (s == "Z" || s == "UTC") return 0;
    if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    std::string digits;
    for (char c : s.substr(1)) {
        if (c == ':') continue;
        if (c < '0' || c > '9') return std::nullopt;
        digits += c;
    }
    if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
    const int h = std::stoi(digits.substr(0, 2));
    const int m = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
    if (h > 14 || m > 59) return std::nullopt;
    const int total = h * 60 + m;
    return s[0] == '-' ? -total : total;
}

bool valid_iso(std::string_view s) {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

bool valid_id(std::string_view s) {
    if (s.empty() || s == "sim") return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string_view to_string(Flavour f) {
    switch (f) {
        case Flavour::airtime: return "airtime";
        case Flavour::giftcards: return "giftcards";
    }
    return "airtime";
}

CountryInfo country_info(std::string_view iso) {
    for (const auto& row : kCountries) {
        if (row.iso == iso) {
            CountryInfo info{row.iso, row.name, row.currency, row.prefix, {}};
            std::string_view ops = row.operators;
            while (!ops.empty()) {
                const auto bar = ops.find('|');
                info.operators.push_back(ops.substr(0, bar));
                if (bar == std::string_view::npos) break;
                ops.remove_prefix(bar + 1);
            }
            return info;
        }
    }
    return CountryInfo{iso, iso, "USD", "999", {}};
}

std::string_view currency_name(std::string_view code) {
    for (const auto& row : kCurrencies) {
        if (row.code == code) return row.name;
    }
    return code;
}

double units_per_usd(std::string_view code) {
    for (const auto& row : kCurrencies) {
        if (row.code == code) return row.per_usd;
    }
    return 1.0;
}

std::vector<double> default_amounts(std::string_view code) {
    if (code == "EUR" || code == "GBP") return {5, 10, 15, 20, 30, 50};
    if (code == "USD" || code == "CAD") return {5, 10, 15, 25, 50, 100};
    if (code == "MXN") return {20, 50, 100, 150, 200, 500};
    if (code == "KES") return {50, 100, 250, 500, 1000};
    if (code == "NGN") return {200, 500, 1000, 2000, 5000};
    // Scale the USD ladder and round to two significant digits.
    std::vector<double> out;
    for (double usd : {5.0, 10.0, 20.0, 50.0}) {
        const double v = usd * units_per_usd(code);
        const double mag = std::pow(10.0, std::floor(std::log10(v)) - 1);
        out.push_back(std::round(v / mag) * mag);
    }
    return out;
}

void complete_defaults(ProviderSpec& p) {
    if (p.name.empty()) p.name = p.id;
    if (p.countries.empty()) p.countries = {"US"};
    if (p.currency.empty()) p.currency = std::string{country_info(p.countries.front()).currency};
    if (p.client_id.empty()) p.client_id = p.id + "-client";
    if (p.client_secret.empty()) p.client_secret = p.id + "-secret";
    if (p.amounts.empty()) p.amounts = default_amounts(p.currency);
}

FleetSpec default_fleet() {
    FleetSpec f;
    ProviderSpec p;
    p.id = "acme";
    p.name = "Acme Topups";
    p.countries = {"ES", "PT", "FR"};
    p.currency = "EUR";
    p.static_token = "demo-token";
    p.utc_offset_minutes = 60;
    p.topup_below = 10'000;
    p.topup_amount = 40'000;
    complete_defaults(p);
    f.providers.push_back(std::move(p));
    return f;
}

core::Result<FleetSpec> parse_fleet(std::string_view text, std::string_view source) {
    auto parsed = detail::parse_toml(text, source);
    if (!parsed) return std::unexpected(parsed.error());
    const toml::table& root = *parsed;
    detail::TomlErrors errors{source};
    FleetSpec fleet;

    detail::check_keys(root, {"seed", "traffic", "providers"}, "", errors);
    if (auto seed = detail::get_integer(root, "seed", "", errors)) {
        fleet.seed = static_cast<std::uint64_t>(*seed);
    }

    if (const auto* tn = root.get("traffic")) {
        if (const auto* t = tn->as_table()) {
            const std::string_view path = "traffic";
            detail::check_keys(*t,
                               {"peak_per_minute", "customers", "customer_error_rate",
                                "provider_error_rate", "pending_rate", "refund_rate"},
                               path, errors);
            auto& tr = fleet.traffic;
            if (auto v = detail::get_number(*t, "peak_per_minute", path, errors)) {
                if (*v <= 0) errors.add(t->get("peak_per_minute")->source(), "traffic.peak_per_minute", "must be > 0");
                else tr.peak_per_minute = *v;
            }
            if (auto v = detail::get_integer(*t, "customers", path, errors)) {
                if (*v < 1 || *v > 100000) errors.add(t->get("customers")->source(), "traffic.customers", "must be 1..100000");
                else tr.customers = static_cast<int>(*v);
            }
            auto rate = [&](std::string_view key, double& out) {
                if (auto v = detail::get_number(*t, key, path, errors)) {
                    if (*v < 0 || *v > 1) errors.add(t->get(key)->source(), detail::join_path(path, key), "must be between 0 and 1");
                    else out = *v;
                }
            };
            rate("customer_error_rate", tr.customer_error_rate);
            rate("provider_error_rate", tr.provider_error_rate);
            rate("pending_rate", tr.pending_rate);
            rate("refund_rate", tr.refund_rate);
        } else {
            errors.add(tn->source(), "traffic", "expected a table");
        }
    }

    const auto* pn = root.get("providers");
    const auto* arr = pn != nullptr ? pn->as_array() : nullptr;
    if (pn != nullptr && arr == nullptr) errors.add(pn->source(), "providers", "expected [[providers]]");
    std::set<std::string> ids;
    if (arr != nullptr) {
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const auto* t = arr->get(i)->as_table();
            const std::string path = fmt::format("providers[{}]", i);
            if (t == nullptr) {
                errors.add(arr->get(i)->source(), path, "expected a table");
                continue;
            }
            detail::check_keys(*t,
                               {"id", "name", "flavour", "countries", "country", "currency",
                                "balance", "topup_below", "topup_amount", "client_id",
                                "client_secret", "static_token", "token_ttl",
                                "rate_limit_per_minute", "weight", "utc_offset", "latency_ms",
                                "amounts"},
                               path, errors);
            ProviderSpec p;
            if (auto v = detail::get_string(*t, "id", path, errors)) p.id = *v;
            if (!valid_id(p.id)) {
                errors.add(t->source(), path + ".id",
                           "required: lower-case letters, digits, '-' or '_' (not \"sim\")");
            } else if (!ids.insert(p.id).second) {
                errors.add(t->get("id")->source(), path + ".id", "duplicate provider id");
            }
            if (auto v = detail::get_string(*t, "name", path, errors)) p.name = *v;
            if (auto v = detail::get_string(*t, "flavour", path, errors)) {
                if (auto f = parse_flavour(*v)) p.flavour = *f;
                else errors.add(t->get("flavour")->source(), path + ".flavour", "expected \"airtime\" or \"giftcards\"");
            }
            if (auto v = detail::get_string(*t, "country", path, errors)) p.countries = {*v};
            if (auto v = detail::get_array<std::string>(*t, "countries", path, errors)) {
                if (t->contains("country")) errors.add(t->get("countries")->source(), path + ".countries", "give either country or countries");
                p.countries = *v;
            }
            for (const auto& c : p.countries) {
                if (!valid_iso(c)) errors.add(t->source(), path + ".countries", fmt::format("\"{}\" is not an ISO 3166 alpha-2 code", c));
            }
            if (auto v = detail::get_string(*t, "currency", path, errors)) {
                if (v->size() != 3) errors.add(t->get("currency")->source(), path + ".currency", "expected an ISO 4217 code");
                p.currency = *v;
            }
            auto non_negative = [&](std::string_view key, double& out) {
                if (auto v = detail::get_number(*t, key, path, errors)) {
                    if (*v < 0) errors.add(t->get(key)->source(), detail::join_path(path, key), "must be >= 0");
                    else out = *v;
                }
            };
            non_negative("balance", p.balance);
            non_negative("topup_below", p.topup_below);
            non_negative("topup_amount", p.topup_amount);
            non_negative("weight", p.weight);
            non_negative("latency_ms", p.latency_ms);
            if (auto v = detail::get_string(*t, "client_id", path, errors)) p.client_id = *v;
            if (auto v = detail::get_string(*t, "client_secret", path, errors)) p.client_secret = *v;
            if (auto v = detail::get_string(*t, "static_token", path, errors)) p.static_token = *v;
            if (auto v = detail::get_duration(*t, "token_ttl", path, errors)) {
                if (v->count() <= 0) errors.add(t->get("token_ttl")->source(), path + ".token_ttl", "must be > 0");
                else p.token_ttl = *v;
            }
            if (auto v = detail::get_integer(*t, "rate_limit_per_minute", path, errors)) {
                if (*v < 0) errors.add(t->get("rate_limit_per_minute")->source(), path + ".rate_limit_per_minute", "must be >= 0");
                else p.rate_limit_per_minute = static_cast<int>(*v);
            }
            if (auto v = detail::get_string(*t, "utc_offset", path, errors)) {
                if (auto m = parse_utc_offset(*v)) p.utc_offset_minutes = *m;
                else errors.add(t->get("utc_offset")->source(), path + ".utc_offset", "expected \"+HH:MM\" or \"-HH:MM\"");
            }
            if (auto v = detail::get_array<double>(*t, "amounts", path, errors)) {
                for (double a : *v) {
                    if (a <= 0) errors.add(t->get("amounts")->source(), path + ".amounts", "amounts must be > 0");
                }
                p.amounts = *v;
            }
            complete_defaults(p);
            fleet.providers.push_back(std::move(p));
        }
    }
    if (fleet.providers.empty() && errors.empty()) {
        errors.add(root.source(), "providers", "at least one [[providers]] entry is required");
    }
    if (!errors.empty()) return core::fail(core::Errc::parse, errors.joined());
    return fleet;
}

core::Result<FleetSpec> load_fleet(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) return core::fail(core::Errc::io, fmt::format("{}: cannot open", path.string()));
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_fleet(ss.str(), path.string());
}

}  // namespace noctua::sim
