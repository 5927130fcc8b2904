#include "noctua/core/http.hpp"

#include <cctype>

#include "noctua/core/json.hpp"
#include "noctua/core/ascii.hpp"

namespace noctua::core {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_as_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (plus_as_space && s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string percent_encode(std::string_view s, bool space_as_plus) {
    constexpr std::string_view kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out += ch;
        } else if (space_as_plus && ch == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (ascii_iequals(k, name)) return std::string_view{v};
    }
    return std::nullopt;
}

std::optional<std::string_view> bearer_token(const Headers& headers) {
    constexpr std::string_view kScheme = "Bearer";
    const auto value = find_header(headers, "Authorization");
    if (!value || !ascii_istarts_with(*value, kScheme)) return std::nullopt;
    auto rest = value->substr(kScheme.size());
    // One or more spaces separate the scheme from the credentials.
    if (!rest.starts_with(' ')) return std::nullopt;
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    if (rest.empty()) return std::nullopt;
    return rest;
}

std::string_view to_string(TransportError e) {
    switch (e) {
        case TransportError::none: return "none";
        case TransportError::dns: return "dns";
        case TransportError::connect: return "connect";
        case TransportError::tls: return "tls";
        case TransportError::timeout: return "timeout";
        case TransportError::too_large: return "body_too_large";
        case TransportError::redirect: return "redirect";
        case TransportError::send: return "send";
        case TransportError::receive: return "receive";
        case TransportError::cancelled: return "cancelled";
        case TransportError::other: return "other";
    }
    return "other";
}

ServerResponse ServerResponse::json_error(int status, std::string_view message) {
    JsonWriter w;
    w.begin_object().field("status", "error").field("error", message).end_object();
    return json(status, std::move(w).str());
}

namespace {

ServerResponse with_body(int status, std::string_view content_type, std::string body) {
    ServerResponse r;
    r.status = status;
    r.content_type = content_type;
    r.body = std::move(body);
    return r;
}

}  // namespace

ServerResponse ServerResponse::json(int status, std::string body) {
    return with_body(status, "application/json", std::move(body));
}

ServerResponse ServerResponse::text(int status, std::string body) {
    return with_body(status, "text/plain; charset=utf-8", std::move(body));
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash);
    }
    return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto part = query.substr(0, amp);
        auto eq = part.find('=');
        auto key = part.substr(0, eq);
        if (percent_decode(key, true) == name) {
            return eq == std::string_view::npos ? std::string{}
                                                : percent_decode(part.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

}  // namespace noctua::core
