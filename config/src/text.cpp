#include "text.hpp"

#include "noctua/config/section.hpp"
#include "noctua/core/labels.hpp"
#include "noctua/core/regex.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <new>
#include <numeric>

#include <curl/curl.h>
#include <fmt/format.h>

namespace noctua::config::detail {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Long lists (hundreds of probe ids) would bury the message; show the first few.
constexpr std::size_t kMaxListed = 20;

struct UrlDeleter {
    void operator()(CURLU* u) const noexcept { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlFree {
    void operator()(char* p) const noexcept { curl_free(p); }
};

/// The first space or control character, as "byte 0x0d at offset 4": never the text around
/// it (it may be a secret).
std::optional<std::string> space_or_control(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c == 0x7f) return fmt::format("byte 0x{:02x} at offset {}", c, i);
    }
    return std::nullopt;
}

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

// core::excerpt() quotes the same way; given the whole length it cuts nothing.
std::string quote(std::string_view text) { return core::excerpt(text, text.size()); }

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

bool is_label_name(std::string_view name) { return core::is_label_name(name); }

bool is_header_name(std::string_view name) {
    constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
        return is_alpha(c) || is_digit(c) || kTokenPunct.find(c) != std::string_view::npos;
    });
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

std::optional<std::string> url_problem(std::string_view url,
                                       std::span<const std::string_view> schemes) {
    const auto scheme_end = url.find("://");
    const auto scheme = url.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end);
    const bool known = !scheme.empty() &&
                       std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
    if (!known) {
        std::string list;
        for (std::size_t i = 0; i < schemes.size(); ++i) {
            list += i == 0 ? "" : (i + 1 == schemes.size() ? " or " : ", ");
            list += fmt::format("{}://", schemes[i]);
        }
        return "must start with " + list;
    }
    // curl would read "http:///x" as host x; a URL from config must name its host plainly.
    if (url.substr(scheme.size() + 3).starts_with('/')) return "is not a valid URL: it has no host";
    // RFC 3986 has no spaces or control characters; curl would send some of them as they are.
    if (auto bad = space_or_control(url)) {
        return "is not a valid URL: spaces and control characters must be percent-encoded (" +
               *bad + ")";
    }
    UrlHandle handle(curl_url());
    if (!handle) throw std::bad_alloc();
    const std::string copy(url);
    if (const CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, copy.c_str(),
                                           CURLU_NON_SUPPORT_SCHEME);
        rc != CURLUE_OK) {
        return fmt::format("is not a valid URL: {}", curl_url_strerror(rc));
    }
    char* host = nullptr;
    const CURLUcode rc = curl_url_get(handle.get(), CURLUPART_HOST, &host, 0);
    const std::unique_ptr<char, CurlFree> owned(host);
    if (rc != CURLUE_OK || host == nullptr || *host == '\0') {
        return "is not a valid URL: it has no host";
    }
    return std::nullopt;
}

std::optional<std::string> http_url_problem(std::string_view url) {
    constexpr std::string_view kSchemes[] = {"http", "https"};
    return url_problem(url, kSchemes);
}

bool read_base_url(const Section& s, std::string_view key, std::string& out) {
    std::string url;
    if (!s.read_string(key, url)) return false;
    if (auto problem = http_url_problem(url)) {
        s.error(key, std::move(*problem));
        return false;
    }
    while (url.ends_with('/')) url.pop_back();
    out = std::move(url);
    return true;
}

std::optional<std::string> path_problem(std::string_view path) {
    if (auto bad = space_or_control(path)) {
        return "spaces and control characters must be percent-encoded (" + *bad + ")";
    }
    return std::nullopt;
}

std::string fill_template_holes(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto open = text.find("{{", pos);
        out += text.substr(pos, open == std::string_view::npos ? open : open - pos);
        if (open == std::string_view::npos) break;
        out += 'x';
        const auto close = text.find("}}", open + 2);
        pos = close == std::string_view::npos ? text.size() : close + 2;
    }
    return out;
}

std::optional<std::string> header_value_problem(std::string_view value) {
    // Tab is the one control character a field value may hold (RFC 9110 §5.5).
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fmt::format("header value must not contain control characters: CR, LF or NUL "
                               "would end or split the header (byte 0x{:02x} at offset {})",
                               c, i);
        }
    }
    return std::nullopt;
}

std::string count_noun(std::size_t n, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

}  // namespace noctua::config::detail

namespace noctua::config {

std::string quoted(std::string_view text) { return detail::quote(text); }

std::optional<std::string> url_problem(std::string_view url,
                                       std::span<const std::string_view> schemes) {
    return detail::url_problem(url, schemes);
}

}  // namespace noctua::config
