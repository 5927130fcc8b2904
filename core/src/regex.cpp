#include "noctua/core/regex.hpp"

#include <re2/re2.h>

#include <fmt/format.h>

namespace noctua::core {
namespace {

std::string_view describe(re2::RE2::ErrorCode code) {
    switch (code) {
        case re2::RE2::ErrorBadEscape: return "invalid escape sequence";
        case re2::RE2::ErrorBadCharClass: return "invalid character class";
        case re2::RE2::ErrorBadCharRange: return "invalid character class range";
        case re2::RE2::ErrorMissingBracket: return "missing closing ]";
        case re2::RE2::ErrorMissingParen: return "missing closing )";
        case re2::RE2::ErrorUnexpectedParen: return "unexpected )";
        case re2::RE2::ErrorTrailingBackslash: return "trailing \\";
        case re2::RE2::ErrorRepeatArgument: return "nothing to repeat before *, + or ?";
        case re2::RE2::ErrorRepeatSize: return "invalid repeat count (at most 1000, nested counts multiplied)";
        case re2::RE2::ErrorRepeatOp: return "invalid repetition operator";
        case re2::RE2::ErrorBadPerlOp: return "unsupported syntax (no lookaround or backreferences)";
        case re2::RE2::ErrorBadUTF8: return "invalid UTF-8";
        case re2::RE2::ErrorBadNamedCapture: return "invalid named group";
        case re2::RE2::ErrorPatternTooLarge:
            return "pattern too large once compiled: use fewer groups and repetitions";
        default: return "cannot compile";
    }
}

/// Length of the longest prefix of `s` of at most `n` bytes that does not split a UTF-8 sequence.
std::size_t utf8_prefix(std::string_view s, std::size_t n) {
    if (n >= s.size()) return s.size();
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return n;
}

}  // namespace

std::string excerpt(std::string_view s, std::size_t max_bytes) {
    const std::size_t keep = utf8_prefix(s, max_bytes);
    std::string out = "\"";
    for (char c : s.substr(0, keep)) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    if (keep < s.size()) out += "…";
    out += '"';
    return out;
}

Result<Regex> Regex::compile(std::string_view pattern, Anchor anchor) {
    if (pattern.size() > kMaxPatternBytes) {
        return fail(Errc::invalid_argument,
                    fmt::format("invalid regular expression {}: {} bytes long, at most {} allowed",
                                excerpt(pattern), pattern.size(), kMaxPatternBytes));
    }
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kMaxMemBytes);
    try {
        auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
        if (!re->ok()) {
            std::string message = fmt::format("invalid regular expression {}: {}", excerpt(pattern),
                                              describe(re->error_code()));
            if (!re->error_arg().empty() && re->error_arg() != pattern) {
                message += fmt::format(" at {}", excerpt(re->error_arg(), 32));
            }
            return fail(Errc::invalid_argument, std::move(message));
        }
        return Regex(std::move(re), anchor);
    } catch (const std::bad_alloc&) {
        return fail(Errc::invalid_argument,
                    fmt::format("invalid regular expression {}: {}", excerpt(pattern),
                                describe(re2::RE2::ErrorPatternTooLarge)));
    }
}

bool Regex::matches(std::string_view text) const {
    const re2::StringPiece piece(text.data(), text.size());
    return anchor_ == Anchor::full_match ? re2::RE2::FullMatch(piece, *re_) : re2::RE2::PartialMatch(piece, *re_);
}

const std::string& Regex::pattern() const { return re_->pattern(); }

}  // namespace noctua::core
