#pragma once

// Private to noctua::sim: what every resource of the simulated provider API shares — media
// types, limits, JSON request parsing, Spring pages.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/http.hpp"
#include "noctua/core/json.hpp"

namespace noctua::sim::detail {

constexpr std::string_view kTopupsMedia = "application/com.reloadly.topups-v1+json";
constexpr std::string_view kGiftcardsMedia = "application/com.reloadly.giftcards-v1+json";
constexpr std::size_t kMaxTransactions = 20'000;
constexpr std::size_t kMaxTokens = 10'000;
constexpr auto kRecentRecharge = std::chrono::minutes(2);

// The product audiences the token endpoint knows (docs/simulator.md, Provider API).
constexpr std::array<std::string_view, 6> kAllAudiences{
    "https://topups.reloadly.com",     "https://topups-sandbox.reloadly.com",
    "https://giftcards.reloadly.com",  "https://giftcards-sandbox.reloadly.com",
    "https://utilities.reloadly.com",  "https://utilities-sandbox.reloadly.com",
};

constexpr std::array<std::string_view, 7> kBrands{"Amazon", "Apple", "Google Play", "Netflix",
                                                  "Steam", "Spotify", "Uber"};


inline std::optional<std::int64_t> to_int(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

inline double round2(double v) { return std::round(v * 100.0) / 100.0; }

inline std::string_view currency_symbol(std::string_view code) {
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

inline bool parse_body(JsonBody& b, std::string_view body) {
    simdjson::dom::element doc;
    if (b.parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return false;
    return doc.get_object().get(b.obj) == simdjson::SUCCESS;
}

inline std::optional<std::string> json_string(simdjson::dom::object obj, std::string_view key) {
    std::string_view v;
    if (obj[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
    return std::string{v};
}

/// A number given as a JSON number or as a numeric string ("5.00"), as Reloadly accepts both.
inline std::optional<double> json_number(simdjson::dom::object obj, std::string_view key) {
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

inline bool json_bool(simdjson::dom::object obj, std::string_view key) {
    bool b = false;
    return obj[key].get_bool().get(b) == simdjson::SUCCESS && b;
}

inline bool valid_phone(std::string_view number) {
    if (!number.empty() && number.front() == '+') number.remove_prefix(1);
    if (number.size() < 6 || number.size() > 15) return false;
    return std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Writes a Spring `Page` envelope around already-serialized items.
inline std::string page_json(const std::vector<std::string>& items, std::size_t size, std::size_t page) {
    const std::size_t total = items.size();
    const std::size_t pages = total == 0 ? 0 : (total + size - 1) / size;
    const std::size_t first = (page - 1) * size;
    core::JsonWriter w;
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
inline std::pair<std::size_t, std::size_t> paging(std::string_view query) {
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

}  // namespace noctua::sim::detail

namespace noctua::sim {

// The provider's sources use these throughout.
using core::JsonWriter;
using core::ServerRequest;
using core::ServerResponse;
using namespace detail;
using namespace std::chrono_literals;

}  // namespace noctua::sim
