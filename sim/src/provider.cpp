#include "noctua/sim/provider.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"

namespace noctua::sim {
namespace {

using core::JsonWriter;
using core::ServerRequest;
using core::ServerResponse;
using namespace std::chrono_literals;

constexpr std::string_view kTopupsMedia = "application/com.reloadly.topups-v1+json";
constexpr std::string_view kGiftcardsMedia = "application/com.reloadly.giftcards-v1+json";
constexpr std::size_t kMaxTransactions = 20'000;
constexpr std::size_t kMaxTokens = 10'000;
constexpr auto kRecentRecharge = 2min;

// The product audiences the token endpoint knows (docs/simulator.md, Provider API).
constexpr std::array<std::string_view, 6> kAllAudiences{
    "https://topups.reloadly.com",     "https://topups-sandbox.reloadly.com",
    "https://giftcards.reloadly.com",  "https://giftcards-sandbox.reloadly.com",
    "https://utilities.reloadly.com",  "https://utilities-sandbox.reloadly.com",
};

constexpr std::array<std::string_view, 7> kBrands{"Amazon", "Apple", "Google Play", "Netflix",
                                                  "Steam", "Spotify", "Uber"};


std::optional<std::int64_t> to_int(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

std::string_view currency_symbol(std::string_view code) {
    if (code == "EUR") return "€";
    if (code == "USD" || code == "MXN" || code == "CAD" || code == "COP") return "$";
    if (code == "GBP") return "£";
    if (code == "KES") return "KSh";
    if (code == "NGN") return "₦";
    if (code == "INR") return "₹";
    if (code == "PHP") return "₱";
    return code;
}

/// A parsed JSON request body; the parser owns the element's memory.
struct JsonBody {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
};

bool parse_body(JsonBody& b, std::string_view body) {
    simdjson::dom::element doc;
    if (b.parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return false;
    return doc.get_object().get(b.obj) == simdjson::SUCCESS;
}

std::optional<std::string> json_string(simdjson::dom::object obj, std::string_view key) {
    std::string_view v;
    if (obj[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
    return std::string{v};
}

/// A number given as a JSON number or as a numeric string ("5.00"), as Reloadly accepts both.
std::optional<double> json_number(simdjson::dom::object obj, std::string_view key) {
    simdjson::dom::element el;
    if (obj[key].get(el) != simdjson::SUCCESS) return std::nullopt;
    double d = 0;
    if (el.get_double().get(d) == simdjson::SUCCESS) return d;
    std::int64_t i = 0;
    if (el.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
    std::uint64_t u = 0;
    if (el.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<double>(u);
    std::string_view s;
    if (el.get_string().get(s) == simdjson::SUCCESS && !s.empty()) {
        std::string copy{s};
        char* end = nullptr;
        const double v = std::strtod(copy.c_str(), &end);
        if (end != nullptr && *end == '\0' && std::isfinite(v)) return v;
    }
    return std::nullopt;
}

bool json_bool(simdjson::dom::object obj, std::string_view key) {
    bool b = false;
    return obj[key].get_bool().get(b) == simdjson::SUCCESS && b;
}

bool valid_phone(std::string_view number) {
    if (!number.empty() && number.front() == '+') number.remove_prefix(1);
    if (number.size() < 6 || number.size() > 15) return false;
    return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Writes a Spring `Page` envelope around already-serialized items.
std::string page_json(const std::vector<std::string>& items, std::size_t size, std::size_t page) {
    const std::size_t total = items.size();
    const std::size_t pages = total == 0 ? 0 : (total + size - 1) / size;
    const std::size_t first = (page - 1) * size;
    JsonWriter w;
    w.begin_object().key("content").begin_array();
    std::size_t count = 0;
    for (std::size_t i = first; i < total && i < first + size; ++i, ++count) w.raw(items[i]);
    w.end_array();
    auto sort = [&] {
        w.begin_object().field("sorted", false).field("unsorted", true).field("empty", true).end_object();
    };
    w.key("pageable").begin_object();
    w.key("sort");
    sort();
    w.field("pageNumber", static_cast<std::uint64_t>(page - 1))
        .field("pageSize", static_cast<std::uint64_t>(size))
        .field("offset", static_cast<std::uint64_t>(first))
        .field("paged", true)
        .field("unpaged", false)
        .end_object();
    w.field("totalPages", static_cast<std::uint64_t>(pages))
        .field("totalElements", static_cast<std::uint64_t>(total))
        .field("last", page >= pages)
        .field("first", page == 1)
        .field("numberOfElements", static_cast<std::uint64_t>(count))
        .field("size", static_cast<std::uint64_t>(size))
        .field("number", static_cast<std::uint64_t>(page - 1));
    w.key("sort");
    sort();
    w.field("empty", count == 0).end_object();
    return std::move(w).str();
}

/// `size` and `page` query parameters: Reloadly's pages are 1-based, size defaults to 200.
std::pair<std::size_t, std::size_t> paging(std::string_view query) {
    std::size_t size = 200;
    std::size_t page = 1;
    if (auto s = core::query_param(query, "size"); s) {
        if (auto v = to_int(*s); v && *v > 0) size = static_cast<std::size_t>(std::min<std::int64_t>(*v, 1000));
    }
    if (auto p = core::query_param(query, "page"); p) {
        if (auto v = to_int(*p); v && *v > 0) page = static_cast<std::size_t>(std::min<std::int64_t>(*v, 1'000'000));
    }
    return {size, page};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Time format

std::string format_api_time(core::TimePoint t) {
    const auto secs = static_cast<std::time_t>(
        std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<core::TimePoint> parse_api_time(std::string_view s) {
    if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':') {
        return std::nullopt;
    }
    auto num = [&](std::size_t pos, std::size_t len) { return to_int(s.substr(pos, len)); };
    auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
         se = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 ||
        *h > 23 || *mi > 59 || *se > 60) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*y)},
                                          std::chrono::month{static_cast<unsigned>(*mo)},
                                          std::chrono::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    const auto day = std::chrono::sys_days{ymd};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        day + std::chrono::hours{*h} + std::chrono::minutes{*mi} + std::chrono::seconds{*se});
}

// ---------------------------------------------------------------------------------------------
// Construction, balance, faults

ProviderSim::ProviderSim(ProviderSpec spec, const core::Clock& clock, std::uint64_t seed)
    : spec_(std::move(spec)), clock_(clock), rng_(seed), balance_(spec_.balance) {
    complete_defaults(spec_);
    balance_updated_ = clock_.now();
    build_catalogue();
}

void ProviderSim::build_catalogue() {
    catalogue_.clear();
    const double sender_per_usd = units_per_usd(spec_.currency);
    std::int64_t next_id = spec_.flavour == Flavour::giftcards ? 1000 : 100;
    int index = 0;
    for (const auto& iso : spec_.countries) {
        const auto info = country_info(iso);
        std::vector<std::string> names;
        if (spec_.flavour == Flavour::giftcards) {
            for (auto b : kBrands) names.push_back(fmt::format("{} {}", b, iso));
        } else if (info.operators.empty()) {
            for (int i = 1; i <= 3; ++i) names.push_back(fmt::format("{} Mobile {}", iso, i));
        } else {
            for (auto n : info.operators) names.emplace_back(n);
        }
        int rank = 0;
        for (const auto& name : names) {
            Operator op;
            op.id = next_id;
            next_id += 7;
            op.name = name;
            op.country = iso;
            op.destination_currency = std::string{info.currency};
            op.fx_rate = units_per_usd(info.currency) / sender_per_usd;
            op.commission = 2.5 + 0.5 * (index % 4);
            op.data = spec_.flavour == Flavour::airtime && index % 2 == 0;
            op.popularity = 1.0 / std::pow(rank + 1, 0.8);
            if (spec_.flavour == Flavour::giftcards) {
                op.fixed = true;
                op.fixed_amounts = default_amounts(info.currency);  // recipient currency
            } else if (index % 3 == 2) {
                op.fixed = true;
                op.fixed_amounts = spec_.amounts;
            } else {
                op.min_amount = round2(spec_.amounts.front() * 0.2);
                op.max_amount = round2(spec_.amounts.back() * 2.0);
            }
            catalogue_.push_back(std::move(op));
            ++index;
            ++rank;
        }
    }
}

std::string_view ProviderSim::media_type() const {
    return spec_.flavour == Flavour::giftcards ? kGiftcardsMedia : kTopupsMedia;
}

std::vector<std::string> ProviderSim::audiences() const {
    const std::string_view product = spec_.flavour == Flavour::giftcards ? "giftcards" : "topups";
    return {fmt::format("https://{}.reloadly.com", product),
            fmt::format("https://{}-sandbox.reloadly.com", product)};
}

double ProviderSim::balance_at(core::TimePoint now) {
    if (const auto* drain = faults_.find(FaultKind::balance_drain)) {
        double target = 0;
        if (drain->over.count() > 0 && now < drain->since + drain->over) {
            const double frac = static_cast<double>((now - drain->since).count()) /
                                static_cast<double>(drain->over.count());
            target = drain_start_balance_ * (1.0 - frac);
        }
        if (balance_ > target) {
            balance_ = round2(target);
            balance_updated_ = now;
        }
    }
    return balance_;
}

void ProviderSim::set_balance(double b) {
    balance_ = b;
    balance_updated_ = clock_.now();
}

bool ProviderSim::charge(double amount, core::TimePoint at) {
    const double available = balance_at(at);
    if (available < amount) return false;
    balance_ = available - amount;
    balance_updated_ = at;
    // A finance team tops the float up when it runs low, unless a drain is being simulated.
    if (spec_.topup_below > 0 && balance_ < spec_.topup_below &&
        !faults_.has(FaultKind::balance_drain)) {
        balance_ += spec_.topup_amount;
    }
    return true;
}

void ProviderSim::add_fault(Fault f) {
    if (f.since == core::TimePoint{}) f.since = clock_.now();
    if (f.kind == FaultKind::balance_drain) {
        if (!faults_.has(FaultKind::balance_drain)) drain_start_balance_ = balance_;
        faults_.remove(FaultKind::balance_drain);
    }
    if (f.kind == FaultKind::catalogue_change && !faults_.has(FaultKind::catalogue_change) &&
        !catalogue_.empty()) {
        original_catalogue_ = catalogue_;
        // What real catalogue updates look like: an operator withdrawn, one renamed, a range
        // moved and a newcomer.
        Operator newcomer = catalogue_.front();
        newcomer.id = catalogue_.back().id + 1000;
        newcomer.name = fmt::format("{} NewTel", newcomer.country);
        newcomer.popularity = 0.3;
        if (catalogue_.size() > 1) catalogue_.pop_back();
        catalogue_.front().name += " (rebranded)";
        for (auto& op : catalogue_) {
            if (!op.fixed) {
                op.min_amount = round2(op.min_amount * 2);
                break;
            }
        }
        catalogue_.push_back(std::move(newcomer));
    }
    faults_.add(std::move(f));
}

void ProviderSim::clear_fault(FaultKind kind) {
    if (kind == FaultKind::catalogue_change && faults_.has(kind)) catalogue_ = original_catalogue_;
    if (kind == FaultKind::balance_drain && faults_.has(kind)) {
        // Ending a drain is a deposit that brings the float back to where it was.
        balance_ = std::max(balance_, drain_start_balance_);
        balance_updated_ = clock_.now();
    }
    faults_.remove(kind);
}

void ProviderSim::heal() {
    std::vector<FaultKind> kinds;
    for (const auto& f : faults_.all()) kinds.push_back(f.kind);
    for (auto k : kinds) clear_fault(k);
}

void ProviderSim::expire_faults(core::TimePoint now) {
    std::vector<FaultKind> gone;
    for (const auto& f : faults_.all()) {
        if (auto until = f.until(); until && *until <= now) gone.push_back(f.kind);
    }
    for (auto k : gone) clear_fault(k);
}

// ---------------------------------------------------------------------------------------------
// Responses

ServerResponse ProviderSim::ok(std::string body) {
    ServerResponse r = ServerResponse::json(200, std::move(body));
    r.content_type = std::string{media_type()};
    return r;
}

ServerResponse ProviderSim::app_error(int status, std::string_view message,
                                      std::optional<std::string_view> code, std::string_view path) {
    JsonWriter w;
    w.begin_object()
        .field("timeStamp", format_api_time(clock_.now()))
        .field("message", message)
        .field("path", path);
    w.key("errorCode");
    if (code) w.value(*code);
    else w.null();
    w.key("infoLink").null();
    w.key("details").begin_array().end_array();
    w.end_object();
    return ServerResponse::json(status, std::move(w).str());
}

ServerResponse ProviderSim::spring_error(int status, std::string_view error,
                                         std::string_view message, std::string_view path) {
    JsonWriter w;
    w.begin_object()
        .field("timeStamp", format_api_time(clock_.now()))
        .field("status", status)
        .field("error", error)
        .field("message", message)
        .field("path", path)
        .end_object();
    return ServerResponse::json(status, std::move(w).str());
}

// ---------------------------------------------------------------------------------------------
// Dispatch

Reply ProviderSim::handle(const ServerRequest& req, std::string_view subpath) {
    const auto now = clock_.now();
    expire_faults(now);
    const std::string path = subpath.empty() ? std::string{"/"} : std::string{subpath};

    if (const auto* outage = faults_.find(FaultKind::outage)) {
        switch (outage->mode) {
            case OutageMode::http_5xx: {
                const std::string_view error = outage->status == 502   ? "Bad Gateway"
                                               : outage->status == 504 ? "Gateway Timeout"
                                               : outage->status == 500 ? "Internal Server Error"
                                                                       : "Service Unavailable";
                return Reply{spring_error(outage->status, error,
                                          "The service is temporarily unavailable", path)};
            }
            case OutageMode::timeout:
                return Reply{spring_error(504, "Gateway Timeout", "Upstream timed out", path),
                             outage->ms};
            case OutageMode::reset:
                return Reply{spring_error(502, "Bad Gateway", "Connection reset", path), 0ms,
                             true};
        }
    }

    // Fixed one-minute windows, reported the way both official SDKs read them.
    int limit = spec_.rate_limit_per_minute;
    if (const auto* rl = faults_.find(FaultKind::rate_limit)) limit = rl->limit;
    core::Headers rate_headers;
    if (limit > 0) {
        const std::int64_t minute = now.time_since_epoch().count() / 60'000;
        if (minute != rate_window_) {
            rate_window_ = minute;
            rate_count_ = 0;
        }
        ++rate_count_;
        const std::int64_t reset = (minute + 1) * 60;
        rate_headers = {{"X-RateLimit-Limit", std::to_string(limit)},
                        {"X-RateLimit-Remaining", std::to_string(std::max(0, limit - rate_count_))},
                        {"X-RateLimit-Reset", std::to_string(reset)}};
        if (rate_count_ > limit) {
            Reply r{app_error(429, "Too many requests", "TOO_MANY_REQUESTS", path)};
            r.response.headers = rate_headers;
            r.response.headers.emplace_back(
                "Retry-After", std::to_string(std::max<std::int64_t>(1, reset - now.time_since_epoch().count() / 1000)));
            return r;
        }
    }

    Reply r = route(req, path);
    for (auto& h : rate_headers) r.response.headers.push_back(std::move(h));
    r.delay += faults_.extra_latency();
    return r;
}

ProviderSim::Auth ProviderSim::authenticate(const ServerRequest& req) {
    auto header = core::find_header(req.headers, "Authorization");
    if (!header || !core::ascii_istarts_with(*header, "Bearer ")) return Auth::missing;
    std::string_view token = header->substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (token.empty()) return Auth::missing;
    if (!spec_.static_token.empty() && token == spec_.static_token) return Auth::ok;
    auto it = tokens_.find(std::string{token});
    if (it == tokens_.end()) return Auth::invalid;
    // A token for another product (or environment's product) is not valid here.
    const auto mine = audiences();
    if (std::find(mine.begin(), mine.end(), it->second.audience) == mine.end()) return Auth::invalid;
    if (clock_.now() >= it->second.expires) return Auth::expired;
    return Auth::ok;
}

Reply ProviderSim::route(const ServerRequest& req, std::string_view path) {
    const auto seg = core::split_path(path);
    const bool get = req.method == "GET" || req.method == "HEAD";
    const bool post = req.method == "POST";

    if (seg.size() == 2 && seg[0] == "oauth" && seg[1] == "token") {
        if (!post) {
            return Reply{spring_error(405, "Method Not Allowed",
                                      fmt::format("Request method '{}' not supported", req.method),
                                      path)};
        }
        return token(req, path);
    }

    // Find the endpoint first (method-agnostic), then authenticate, as Spring Security does:
    // an anonymous caller learns nothing about which paths exist.
    std::function<Reply()> handler;
    std::string_view method = "GET";
    const auto n = seg.size();
    auto is = [&](std::size_t i, std::string_view s) { return i < n && seg[i] == s; };
    if (n == 2 && is(0, "accounts") && is(1, "balance")) {
        handler = [&] { return balance_endpoint(path); };
    } else if (spec_.flavour == Flavour::airtime) {
        if (n == 1 && is(0, "operators")) {
            handler = [&] { return operators_page(req, path); };
        } else if (n == 2 && is(0, "operators")) {
            handler = [&, id = seg[1]] { return operator_by_id(id, path); };
        } else if (n == 3 && is(0, "operators") && is(1, "countries")) {
            handler = [&, iso = seg[2]] { return operators_by_country(iso, path); };
        } else if (n == 1 && (is(0, "topups") || is(0, "topups-async"))) {
            method = "POST";
            handler = [&, async = is(0, "topups-async")] { return topup(req, path, async); };
        } else if (n == 3 && is(0, "topups") && is(2, "status")) {
            handler = [&, id = seg[1]] { return topup_status(id, path); };
        } else if (n == 3 && is(0, "topups") && is(1, "reports") && is(2, "transactions")) {
            handler = [&] { return report(req, path); };
        } else if (n == 4 && is(0, "topups") && is(1, "reports") && is(2, "transactions")) {
            handler = [&, id = seg[3]] { return report_one(id, path); };
        }
    } else {
        if (n == 1 && is(0, "products")) {
            handler = [&] { return products_page(req, path); };
        } else if (n == 2 && is(0, "products")) {
            handler = [&, id = seg[1]] { return product_by_id(id, path); };
        } else if (n == 3 && is(0, "countries") && is(2, "products")) {
            handler = [&, iso = seg[1]] { return products_by_country(iso, path); };
        } else if (n == 1 && is(0, "orders")) {
            method = "POST";
            handler = [&] { return order(req, path); };
        } else if (n == 4 && is(0, "orders") && is(1, "transactions") && is(3, "cards")) {
            handler = [&, id = seg[2]] { return order_cards(id, path); };
        } else if (n == 2 && is(0, "reports") && is(1, "transactions")) {
            handler = [&] { return report(req, path); };
        } else if (n == 3 && is(0, "reports") && is(1, "transactions")) {
            handler = [&, id = seg[2]] { return report_one(id, path); };
        }
    }

    switch (authenticate(req)) {
        case Auth::ok: break;
        case Auth::missing:
        case Auth::invalid:
            return Reply{app_error(401, "Full authentication is required to access this resource",
                                   "INVALID_TOKEN", path)};
        case Auth::expired:
            return Reply{app_error(401, "The provided token has expired", "TOKEN_EXPIRED", path)};
    }
    if (!handler) return Reply{spring_error(404, "Not Found", "No message available", path)};
    const bool method_ok = method == "POST" ? post : get;
    if (!method_ok) {
        return Reply{spring_error(405, "Method Not Allowed",
                                  fmt::format("Request method '{}' not supported", req.method),
                                  path)};
    }
    auto accept = core::find_header(req.headers, "Accept");
    if (!accept || accept->find(media_type()) == std::string_view::npos) {
        return Reply{spring_error(406, "Not Acceptable",
                                  "Could not find acceptable representation", path)};
    }
    Reply r = handler();
    if (r.response.status < 300) r.response.content_type = std::string{media_type()};
    return r;
}

// ---------------------------------------------------------------------------------------------
// OAuth2

Reply ProviderSim::token(const ServerRequest& req, std::string_view path) {
    if (faults_.has(FaultKind::token_failure)) {
        return Reply{spring_error(503, "Service Unavailable",
                                  "The authorization server is temporarily unavailable", path)};
    }
    auto ct = core::find_header(req.headers, "Content-Type");
    if (!ct || !core::ascii_istarts_with(*ct, "application/json")) {
        return Reply{spring_error(
            415, "Unsupported Media Type",
            fmt::format("Content type '{}' not supported", ct ? *ct : std::string_view{""}), path)};
    }
    JsonBody body;
    if (!parse_body(body, req.body)) {
        return Reply{spring_error(400, "Bad Request", "JSON parse error", path)};
    }
    std::string fields[4];
    constexpr std::array<std::string_view, 4> kNames{"client_id", "client_secret", "grant_type",
                                                    "audience"};
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        auto v = json_string(body.obj, kNames[i]);
        if (!v || v->empty()) {
            return Reply{app_error(400, fmt::format("{} is required", kNames[i]), std::nullopt, path)};
        }
        fields[i] = std::move(*v);
    }
    const auto& [client_id, client_secret, grant_type, audience] = fields;
    if (grant_type != "client_credentials") {
        return Reply{app_error(400, "Unsupported grant type", std::nullopt, path)};
    }
    if (client_id != spec_.client_id || client_secret != spec_.client_secret) {
        return Reply{app_error(401, "Access Denied", "INVALID_CREDENTIALS", path)};
    }
    if (std::find(kAllAudiences.begin(), kAllAudiences.end(), audience) == kAllAudiences.end()) {
        return Reply{app_error(401, "The provided audience is not valid", "INVALID_AUDIENCE", path)};
    }

    const auto now = clock_.now();
    if (tokens_.size() >= kMaxTokens) {
        std::erase_if(tokens_, [&](const auto& kv) { return kv.second.expires <= now; });
        if (tokens_.size() >= kMaxTokens) tokens_.clear();
    }
    const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(spec_.token_ttl).count();
    std::string sig;
    for (int i = 0; i < 4; ++i) {
        const auto x = rng_.next();
        sig.append(reinterpret_cast<const char*>(&x), sizeof x);
    }
    JsonWriter payload;
    payload.begin_object()
        .field("sub", client_id)
        .field("aud", audience)
        .field("scope", "developer")
        .field("iat", static_cast<std::int64_t>(iat))
        .field("exp", static_cast<std::int64_t>(iat + ttl))
        .field("jti", fmt::format("{:016x}", rng_.next()))
        .end_object();
    std::string token = core::base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." +
                        core::base64url_encode(payload.str()) + "." + core::base64url_encode(sig);
    tokens_[token] = Token{now + spec_.token_ttl, audience};

    JsonWriter w;
    w.begin_object()
        .field("access_token", token)
        .field("scope", "developer")
        .field("expires_in", static_cast<std::int64_t>(ttl))
        .field("token_type", "Bearer")
        .end_object();
    return Reply{ServerResponse::json(200, std::move(w).str())};
}

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
    std::string json = "[";
    bool any = false;
    for (const auto& op : catalogue_) {
        if (op.country != iso) continue;
        if (any) json += ',';
        json += operator_json(op);
        any = true;
    }
    json += ']';
    if (!any && std::find(spec_.countries.begin(), spec_.countries.end(), iso) == spec_.countries.end()) {
        return Reply{app_error(404, "Country not found for given ISO code", "COUNTRY_NOT_SUPPORTED", path)};
    }
    return Reply{ok(std::move(json))};
}

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
    if (!custom_id.empty() && custom_ids_.contains(custom_id)) {
        return Reply{app_error(400,
                               fmt::format("Custom identifier {} has already been used", custom_id),
                               "DUPLICATE_CUSTOM_IDENTIFIER", path)};
    }
    if (faults_.targets(FaultKind::operator_failure, op->name) ||
        faults_.targets(FaultKind::operator_failure, std::to_string(op->id)) ||
        faults_.targets(FaultKind::country_failure, op->country)) {
        return Reply{app_error(400, "The operator is currently unavailable or inactive",
                               "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE", path)};
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
    auto n = to_int(id);
    auto it = n ? transactions_.find(*n) : transactions_.end();
    if (it == transactions_.end()) {
        return Reply{app_error(404, "Transaction not found for given id", std::nullopt, path)};
    }
    settle(it->second);
    const auto& t = it->second;
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
    std::string json = "[";
    bool any = false;
    for (const auto& p : catalogue_) {
        if (p.country != iso) continue;
        if (any) json += ',';
        json += product_json_of(p, spec_.currency);
        any = true;
    }
    json += ']';
    if (!any && std::find(spec_.countries.begin(), spec_.countries.end(), iso) == spec_.countries.end()) {
        return Reply{app_error(404, "Country not found for given ISO code", "COUNTRY_NOT_SUPPORTED", path)};
    }
    return Reply{ok(std::move(json))};
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
    if (!custom_id.empty() && custom_ids_.contains(custom_id)) {
        return Reply{app_error(400,
                               fmt::format("Custom identifier {} has already been used", custom_id),
                               "DUPLICATE_CUSTOM_IDENTIFIER", path)};
    }
    if (faults_.targets(FaultKind::operator_failure, p->name) ||
        faults_.targets(FaultKind::operator_failure, std::to_string(p->id)) ||
        faults_.targets(FaultKind::country_failure, p->country)) {
        return Reply{app_error(400, "The product is currently unavailable",
                               "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE", path)};
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
    auto n = to_int(id);
    auto it = n ? transactions_.find(*n) : transactions_.end();
    if (it == transactions_.end()) {
        return Reply{app_error(404, "Transaction not found for given id", std::nullopt, path)};
    }
    JsonWriter w;
    w.begin_array();
    for (int i = 0; i < it->second.quantity; ++i) {
        // Derived from the id so the same order always shows the same codes.
        const auto x = static_cast<std::uint64_t>(it->second.id) * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(i);
        w.begin_object()
            .field("cardNumber", fmt::format("{:016}", x % 10'000'000'000'000'000ULL))
            .field("pinCode", fmt::format("{:04}", (x >> 20) % 10'000))
            .end_object();
    }
    w.end_array();
    return Reply{ok(std::move(w).str())};
}

}  // namespace noctua::sim
