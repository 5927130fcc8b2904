#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"
#include "noctua/sim/fault.hpp"
#include "noctua/sim/fleet.hpp"
#include "noctua/sim/rng.hpp"

namespace noctua::sim {

/// What the HTTP layer should do with a handler's answer.
struct Reply {
    core::ServerResponse response;
    /// Hold the response this long before sending it (latency faults, outage "timeout").
    std::chrono::milliseconds delay{0};
    /// Reset the connection instead of answering (outage "reset"); the 502 body is for
    /// callers that are not a socket (tests through Router::dispatch_sync).
    bool reset = false;
};

/// An operator (airtime) or a gift-card product in a provider's catalogue.
struct Operator {
    std::int64_t id = 0;
    std::string name;
    std::string country;               ///< ISO
    std::string destination_currency;
    double fx_rate = 1;                ///< destination units per sender unit
    bool fixed = false;                ///< denominationType FIXED (else RANGE)
    double min_amount = 0;             ///< sender currency
    double max_amount = 0;
    std::vector<double> fixed_amounts; ///< sender currency, when fixed
    double commission = 0;             ///< percent
    bool data = false;
    double popularity = 1;             ///< traffic weight
};

/// A transaction made through the API (not the generated stream).
struct ApiTransaction {
    std::int64_t id = 0;
    std::string status;                ///< PROCESSING, SUCCESSFUL, FAILED, REFUNDED
    std::string final_status;          ///< what PROCESSING becomes at `completes_at`
    core::TimePoint created{};
    core::TimePoint completes_at{};
    std::string custom_identifier;
    std::string recipient_phone;
    std::string recipient_email;
    std::string sender_phone;
    std::string country;
    std::int64_t operator_id = 0;
    std::string operator_name;
    double requested_amount = 0;       ///< sender currency
    double delivered_amount = 0;       ///< destination currency
    std::string delivered_currency;
    double cost = 0;                   ///< what was charged to the balance
    double discount = 0;
    double old_balance = 0;
    double new_balance = 0;
    int quantity = 1;                  ///< gift cards
    double unit_price = 0;             ///< gift cards
    std::string sender_name;           ///< gift cards
};

/// One simulated Reloadly-shaped provider: OAuth2 tokens, balance, catalogue, top-ups or gift-card
/// orders, reports, rate limit and faults. Pure logic: time comes from the Clock, randomness from
/// a seeded Rng, requests and responses are plain values; no sockets, no timers.
///
/// Not thread-safe: the owner serializes calls (the simulator runs one io_context thread).
class ProviderSim {
public:
    ProviderSim(ProviderSpec spec, const core::Clock& clock, std::uint64_t seed);

    /// Answers one API request. `subpath` is the path below the provider prefix
    /// ("/accounts/balance"); the query is taken from `request.query`. Never throws.
    [[nodiscard]] Reply handle(const core::ServerRequest& request, std::string_view subpath);

    [[nodiscard]] const ProviderSpec& spec() const { return spec_; }
    [[nodiscard]] const std::string& id() const { return spec_.id; }

    // Balance
    /// The balance now (a running balance_drain fault is applied first).
    [[nodiscard]] double balance() { return balance_at(clock_.now()); }
    /// The balance at time `t` (event time for the generator; wall time for the API).
    [[nodiscard]] double balance_at(core::TimePoint t);
    void set_balance(double b);
    /// Takes `amount` from the balance for a generated transaction at event time `at`.
    /// False (and nothing taken) when the balance is insufficient. Auto deposits apply here.
    bool charge(double amount, core::TimePoint at);
    void refund(double amount) { balance_ += amount; }

    // Faults
    /// Activates `f` (since = now unless set). balance_drain and catalogue_change act at once.
    void add_fault(Fault f);
    /// Clears every fault; restores the catalogue and the balance a drain took.
    void heal();
    /// Clears faults of one kind (timelines use it for "for = …").
    void clear_fault(FaultKind kind);
    /// Expires faults with a `for` duration at `now`.
    void expire_faults(core::TimePoint now);
    [[nodiscard]] const FaultSet& faults() const { return faults_; }

    [[nodiscard]] const std::vector<Operator>& catalogue() const { return catalogue_; }
    [[nodiscard]] std::string_view currency() const { return spec_.currency; }
    [[nodiscard]] std::string_view media_type() const;
    /// The `audience` values accepted by POST /oauth/token for this provider's product.
    [[nodiscard]] std::vector<std::string> audiences() const;

private:
    struct Token {
        core::TimePoint expires;
        std::string audience;
    };
    enum class Auth { ok, missing, invalid, expired };

    Reply route(const core::ServerRequest& req, std::string_view path);
    Reply token(const core::ServerRequest& req, std::string_view path);
    Reply balance_endpoint(std::string_view path);
    Reply operators_page(const core::ServerRequest& req, std::string_view path);
    Reply operator_by_id(std::string_view id, std::string_view path);
    Reply operators_by_country(std::string_view iso, std::string_view path);
    Reply topup(const core::ServerRequest& req, std::string_view path, bool async);
    Reply topup_status(std::string_view id, std::string_view path);
    Reply report(const core::ServerRequest& req, std::string_view path);
    Reply report_one(std::string_view id, std::string_view path);
    Reply products_page(const core::ServerRequest& req, std::string_view path);
    Reply product_by_id(std::string_view id, std::string_view path);
    Reply products_by_country(std::string_view iso, std::string_view path);
    Reply order(const core::ServerRequest& req, std::string_view path);
    Reply order_cards(std::string_view id, std::string_view path);

    Auth authenticate(const core::ServerRequest& req);
    /// Counts the request in the rate-limit window: sets the X-RateLimit headers and returns
    /// a 429 when over the limit (provider_rate_limit.cpp); nothing when no limit is set.
    std::optional<Reply> rate_limit(core::TimePoint now, std::string_view path,
                                    core::Headers& headers);
    core::ServerResponse app_error(int status, std::string_view message,
                                   std::optional<std::string_view> code, std::string_view path);
    core::ServerResponse spring_error(int status, std::string_view error, std::string_view message,
                                      std::string_view path);
    core::ServerResponse ok(std::string body);
    /// What a top-up and a gift-card order both refuse: a custom identifier used before (400
    /// DUPLICATE_CUSTOM_IDENTIFIER), an operator or product, or its country, failing by fault
    /// (400 with `unavailable`); nothing otherwise.
    std::optional<Reply> refuse_order(const Operator& op, std::string_view custom_id,
                                      std::string_view unavailable, std::string_view path);
    void settle(ApiTransaction& t);
    std::string transaction_json(const ApiTransaction& t, bool with_balance);
    std::string operator_json(const Operator& op);
    const Operator* find_operator(std::int64_t id) const;
    /// The catalogue entries of country `iso` as a JSON array, each written by `to_json`; a 404
    /// (COUNTRY_NOT_SUPPORTED) when there are none and the provider does not serve `iso`.
    Reply catalogue_by_country(std::string_view iso, std::string_view path,
                               const std::function<std::string(const Operator&)>& to_json);
    /// The transaction whose id is `id` (a path segment), or null.
    ApiTransaction* find_transaction(std::string_view id);
    /// The 404 answer to a transaction id that names none.
    Reply transaction_not_found(std::string_view path);
    void remember(ApiTransaction t);
    void build_catalogue();

    ProviderSpec spec_;
    const core::Clock& clock_;
    Rng rng_;
    double balance_;
    core::TimePoint balance_updated_{};
    std::vector<Operator> catalogue_;
    std::vector<Operator> original_catalogue_;
    FaultSet faults_;
    double drain_start_balance_ = 0;
    std::unordered_map<std::string, Token> tokens_;
    std::map<std::int64_t, ApiTransaction> transactions_;
    std::unordered_map<std::string, std::int64_t> custom_ids_;
    std::unordered_map<std::string, core::TimePoint> last_recharge_;  // phone -> time
    std::int64_t next_transaction_id_ = 1;
    std::int64_t rate_window_ = -1;  // minute since the epoch
    int rate_count_ = 0;
};

/// "yyyy-MM-dd HH:mm:ss" in UTC, the timestamp format of the Reloadly API.
[[nodiscard]] std::string format_api_time(core::TimePoint t);
/// Parses "yyyy-MM-dd HH:mm:ss" (UTC); nullopt when malformed.
[[nodiscard]] std::optional<core::TimePoint> parse_api_time(std::string_view s);

}  // namespace noctua::sim
