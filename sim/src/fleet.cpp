#include "noctua/sim/fleet.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "noctua/config/section.hpp"
#include "toml_input.hpp"

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

/// A number of any size (integer or floating-point) under `key`.
bool read_any_number(const config::Section& s, std::string_view key, double& out) {
    return s.read_number(key, out, std::numeric_limits<double>::lowest(),
                         std::numeric_limits<double>::max());
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

namespace {

FleetSpec read_fleet(const config::Section& root) {
    FleetSpec fleet;

    static constexpr std::string_view kRootKeys[] = {"providers", "seed", "traffic"};
    root.check_keys(kRootKeys);
    std::int64_t seed = 0;
    if (root.read_int("seed", seed, std::numeric_limits<std::int64_t>::min(),
                      std::numeric_limits<std::int64_t>::max())) {
        fleet.seed = static_cast<std::uint64_t>(seed);
    }

    if (auto t = root.subtable("traffic")) {
        static constexpr std::string_view kTrafficKeys[] = {
            "customer_error_rate", "customers",   "peak_per_minute",
            "pending_rate",        "provider_error_rate", "refund_rate"};
        t->check_keys(kTrafficKeys);
        auto& tr = fleet.traffic;
        double peak = 0;
        if (read_any_number(*t, "peak_per_minute", peak)) {
            if (peak <= 0) t->error("peak_per_minute", "must be > 0");
            else tr.peak_per_minute = peak;
        }
        std::int64_t customers = 0;
        if (t->read_int("customers", customers, std::numeric_limits<std::int64_t>::min(),
                        std::numeric_limits<std::int64_t>::max())) {
            if (customers < 1 || customers > 100000) t->error("customers", "must be 1..100000");
            else tr.customers = static_cast<int>(customers);
        }
        const auto rate = [&](std::string_view key, double& out) {
            double v = 0;
            if (!read_any_number(*t, key, v)) return;
            if (v < 0 || v > 1) t->error(key, "must be between 0 and 1");
            else out = v;
        };
        rate("customer_error_rate", tr.customer_error_rate);
        rate("provider_error_rate", tr.provider_error_rate);
        rate("pending_rate", tr.pending_rate);
        rate("refund_rate", tr.refund_rate);
    }

    std::set<std::string> ids;
    for (const auto& t : root.table_array("providers")) {
        static constexpr std::string_view kProviderKeys[] = {
            "amounts",      "balance",   "client_id",    "client_secret",
            "countries",    "country",   "currency",     "flavour",
            "id",           "latency_ms", "name",        "rate_limit_per_minute",
            "static_token", "token_ttl", "topup_amount", "topup_below",
            "utc_offset",   "weight"};
        t.check_keys(kProviderKeys);
        ProviderSpec p;
        t.read_string("id", p.id);
        if (!valid_id(p.id)) {
            t.error("id", "required: lower-case letters, digits, '-' or '_' (not \"sim\")");
        } else if (!ids.insert(p.id).second) {
            t.error("id", "duplicate provider id");
        }
        t.read_string("name", p.name);
        if (std::string flavour; t.read_string("flavour", flavour)) {
            if (auto f = parse_flavour(flavour)) p.flavour = *f;
            else t.error("flavour", "expected \"airtime\" or \"giftcards\"");
        }
        if (std::string country; t.read_string("country", country)) p.countries = {country};
        if (std::vector<std::string> countries; t.read_string_list("countries", countries)) {
            if (t.contains("country")) t.error("countries", "give either country or countries");
            p.countries = std::move(countries);
        }
        for (const auto& c : p.countries) {
            if (!valid_iso(c)) {
                t.context().error(t.pos(), t.path_of("countries"),
                                  fmt::format("\"{}\" is not an ISO 3166 alpha-2 code", c));
            }
        }
        if (t.read_string("currency", p.currency) && p.currency.size() != 3) {
            t.error("currency", "expected an ISO 4217 code");
        }
        const auto non_negative = [&](std::string_view key, double& out) {
            double v = 0;
            if (!read_any_number(t, key, v)) return;
            if (v < 0) t.error(key, "must be >= 0");
            else out = v;
        };
        non_negative("balance", p.balance);
        non_negative("topup_below", p.topup_below);
        non_negative("topup_amount", p.topup_amount);
        non_negative("weight", p.weight);
        non_negative("latency_ms", p.latency_ms);
        t.read_string("client_id", p.client_id);
        t.read_string("client_secret", p.client_secret);
        t.read_string("static_token", p.static_token);
        t.read_positive_duration("token_ttl", p.token_ttl);
        std::int64_t limit = 0;
        if (t.read_int("rate_limit_per_minute", limit, std::numeric_limits<std::int64_t>::min(),
                       std::numeric_limits<std::int64_t>::max())) {
            if (limit < 0) t.error("rate_limit_per_minute", "must be >= 0");
            else p.rate_limit_per_minute = static_cast<int>(limit);
        }
        if (std::string offset; t.read_string("utc_offset", offset)) {
            if (auto m = parse_utc_offset(offset)) p.utc_offset_minutes = *m;
            else t.error("utc_offset", "expected \"+HH:MM\" or \"-HH:MM\"");
        }
        if (t.read_number_list("amounts", p.amounts)) {
            for (double a : p.amounts) {
                if (a <= 0) t.error("amounts", "amounts must be > 0");
            }
        }
        complete_defaults(p);
        fleet.providers.push_back(std::move(p));
    }
    if (fleet.providers.empty() && !root.context().has_errors()) {
        root.error("providers", "at least one [[providers]] entry is required");
    }
    return fleet;
}

}  // namespace

core::Result<FleetSpec> parse_fleet(std::string_view text, std::string_view source) {
    return detail::read_toml(text, source, read_fleet);
}

core::Result<FleetSpec> load_fleet(const std::filesystem::path& path) {
    return detail::load_toml(path, read_fleet);
}

}  // namespace noctua::sim
