#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/duration.hpp"
#include "noctua/core/result.hpp"

namespace noctua::sim {

/// Which Reloadly product a simulated provider speaks (docs/simulator.md).
enum class Flavour { airtime, giftcards };
[[nodiscard]] std::string_view to_string(Flavour f);

/// One simulated provider, as written in the fleet file. Defaults live here and nowhere else.
struct ProviderSpec {
    std::string id;                       ///< path prefix: served under "/<id>/..."
    std::string name;                     ///< display name; defaults to id
    Flavour flavour = Flavour::airtime;
    std::vector<std::string> countries;   ///< ISO codes; the first is home. Default {"US"}
    std::string currency;                 ///< account currency; defaults from the home country
    double balance = 50'000;              ///< starting balance in `currency`
    double topup_below = 0;               ///< auto deposit when the balance falls under this (0 = never)
    double topup_amount = 0;              ///< size of that auto deposit
    std::string client_id;                ///< OAuth2 credentials; default "<id>-client"
    std::string client_secret;            ///< default "<id>-secret"
    std::string static_token;             ///< a bearer token that never expires (empty = none)
    core::Duration token_ttl = std::chrono::hours(24 * 60);  ///< Reloadly's 5184000 s
    int rate_limit_per_minute = 0;        ///< API requests per minute; 0 = unlimited
    double weight = 1.0;                  ///< share of the fleet's traffic
    int utc_offset_minutes = 0;           ///< local time of the provider's customers (seasonality)
    double latency_ms = 350;              ///< median transaction latency
    std::vector<double> amounts;          ///< typical denominations; defaults from the currency
};

/// Shape of the generated transaction stream.
struct TrafficSpec {
    double peak_per_minute = 600;   ///< whole-fleet events per minute at the weekly peak hour
    int customers = 40;             ///< size of the customer pool ("cust-0001" …)
    double customer_error_rate = 0.02;  ///< invalid phone, recently recharged, bad amount …
    double provider_error_rate = 0.004; ///< baseline provider-side failures outside faults
    double pending_rate = 0.01;
    double refund_rate = 0.003;
};

struct FleetSpec {
    std::uint64_t seed = 1;
    std::vector<ProviderSpec> providers;
    TrafficSpec traffic;
};

/// Parses a fleet file (TOML). Unknown keys, duplicate ids and bad values are errors, reported
/// as "SOURCE:LINE:COL: key.path: message" (all of them, one per line). Defaults are filled in.
[[nodiscard]] core::Result<FleetSpec> parse_fleet(std::string_view toml, std::string_view source);
[[nodiscard]] core::Result<FleetSpec> load_fleet(const std::filesystem::path& path);

/// A one-provider fleet ("acme", ES, EUR, static token "demo-token") for quick starts.
[[nodiscard]] FleetSpec default_fleet();

/// Fills the derived defaults (name, currency, credentials, amounts) of a spec built in code.
void complete_defaults(ProviderSpec& p);

// ---------------------------------------------------------------------------------------------
// Reference data used to make catalogues and traffic look real.

struct CountryInfo {
    std::string_view iso;
    std::string_view name;
    std::string_view currency;
    std::string_view phone_prefix;
    std::vector<std::string_view> operators;
};

/// Built-in country table; unknown ISO codes get a generic entry ("XX Mobile 1", USD).
[[nodiscard]] CountryInfo country_info(std::string_view iso);
/// "Euro", "Mexican Peso", …; the code itself when unknown.
[[nodiscard]] std::string_view currency_name(std::string_view code);
/// Units of `code` per US dollar (approximate, fixed: the simulator needs no live rates).
[[nodiscard]] double units_per_usd(std::string_view code);
/// Typical retail denominations in `code`.
[[nodiscard]] std::vector<double> default_amounts(std::string_view code);

}  // namespace noctua::sim
