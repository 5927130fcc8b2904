// The simulated provider's front door: outages, rate limits (provider_rate_limit.cpp),
// authentication, routing.
#include "noctua/sim/provider.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/ascii.hpp"
#include "noctua/core/json.hpp"
#include "provider_http.hpp"

namespace noctua::sim {

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

    core::Headers rate_headers;
    if (auto limited = rate_limit(now, path, rate_headers)) return std::move(*limited);

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

}  // namespace noctua::sim
