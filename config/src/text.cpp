#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>

#include <fmt/format.h>

namespace noctua::config::detail {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Long lists (hundreds of probe ids) would bury the message; show the first few.
constexpr std::size_t kMaxListed = 20;

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> closest(std::string_view word, std::span<const std::string> candidates,
                                   std::size_t max_distance) {
    std::optional<std::string> best;
    std::size_t best_distance = max_distance + 1;
    for (const auto& candidate : candidates) {
        const std::size_t d = edit_distance(word, candidate);
        // Replacing every character of a short word is no typo ("q" is not a misspelt "p").
        if (d >= word.size()) continue;
        if (d < best_distance || (d == best_distance && best && candidate < *best)) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string unknown_message(std::string_view noun, std::string_view plural, std::string_view value,
                            std::vector<std::string> known, bool quote_known) {
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    std::string out = fmt::format("unknown {} {}", noun, quote(value));
    if (auto suggestion = closest(value, known)) {
        out += fmt::format(" (did you mean {}?)", quote(*suggestion));
    }
    if (known.empty()) {
        out += fmt::format("; no {} are defined", plural);
        return out;
    }
    out += fmt::format("; known {}: ", plural);
    const std::size_t listed = std::min(known.size(), kMaxListed);
    for (std::size_t i = 0; i < listed; ++i) {
        if (i > 0) out += ", ";
        out += quote_known ? quote(known[i]) : known[i];
    }
    if (known.size() > listed) out += fmt::format(" and {} more", known.size() - listed);
    return out;
}

bool is_valid_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
    });
}

bool is_label_name(std::string_view name) {
    if (name.empty() || is_digit(name.front())) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

bool is_header_name(std::string_view name) {
    constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
        return is_alpha(c) || is_digit(c) || kTokenPunct.find(c) != std::string_view::npos;
    });
}

bool is_http_url(std::string_view url) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (url.starts_with(scheme)) {
            const auto rest = url.substr(scheme.size());
            return !rest.empty() && rest.front() != '/';
        }
    }
    return false;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        const bool v6_chars = std::all_of(host.begin(), host.end(), [](char c) {
            return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                   c == '.';
        });
        if (host.empty() || !v6_chars) return std::nullopt;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        const bool name_chars = std::all_of(host.begin(), host.end(), [](char c) {
            return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
        });
        if (host.empty() || !name_chars) return std::nullopt;
    }
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
        return std::nullopt;
    }
    int n = 0;
    std::from_chars(port.data(), port.data() + port.size(), n);
    if (n > 65535) return std::nullopt;
    return HostPort{std::string(host), n};
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8: four dotted decimal octets, the first 127.
    if (!host.starts_with("127.")) return false;
    int octets = 0;
    std::size_t pos = 0;
    while (pos <= host.size()) {
        const auto dot = std::min(host.find('.', pos), host.size());
        const auto part = host.substr(pos, dot - pos);
        int n = 0;
        auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (part.empty() || part.size() > 3 || ec != std::errc{} ||
            ptr != part.data() + part.size() || n > 255) {
            return false;
        }
        ++octets;
        pos = dot + 1;
    }
    return octets == 4;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        // Well-formed sequences (Unicode 15, table 3-7): no overlongs, surrogates or > U+10FFFF.
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else {
            return i;
        }
        if (i + 1 >= n || p[i + 1] < lo || p[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k) {
            if (i + k >= n || p[i + k] < 0x80 || p[i + k] > 0xbf) return i;
        }
        i += len;
    }
    return std::nullopt;
}

std::string count_noun(std::size_t n, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

}  // namespace noctua::config::detail
