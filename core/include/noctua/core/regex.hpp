#pragma once

// Regular expressions for untrusted input: RE2 syntax, matching in time linear in the text, a
// bounded compiled size. Every regex Noctua matches (probe expectations, header matchers,
// extraction, alert route matchers) goes through this wrapper.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "noctua/core/result.hpp"

namespace re2 {
class RE2;
}

namespace noctua::core {

/// A compiled regular expression (RE2 syntax: https://github.com/google/re2/wiki/Syntax).
/// Immutable and cheap to copy (copies share the compiled program); safe to use from many
/// threads at once. Matching never recurses per character and takes time linear in the text.
class Regex {
public:
    /// Longest pattern accepted, in bytes.
    static constexpr std::size_t kMaxPatternBytes = 16 * 1024;
    /// Memory budget of one compiled pattern (program plus its DFA cache); a pattern whose
    /// program does not fit is refused at compile time.
    static constexpr std::int64_t kMaxMemBytes = 2 * 1024 * 1024;

    enum class Anchor {
        search,      ///< the pattern may match anywhere in the text (`body matches "json"`)
        full_match,  ///< the pattern must match the whole text (Prometheus label matchers)
    };

    /// Compiles `pattern`. The error (Errc::invalid_argument) says what is wrong and quotes at
    /// most a short prefix of the pattern (see `excerpt`), never the whole of a large one.
    [[nodiscard]] static Result<Regex> compile(std::string_view pattern, Anchor anchor = Anchor::search);

    /// True when the pattern matches `text` (anywhere, or as a whole with Anchor::full_match).
    [[nodiscard]] bool matches(std::string_view text) const;

    [[nodiscard]] const std::string& pattern() const;
    [[nodiscard]] Anchor anchor() const { return anchor_; }

private:
    Regex(std::shared_ptr<const re2::RE2> re, Anchor anchor) : re_(std::move(re)), anchor_(anchor) {}
    std::shared_ptr<const re2::RE2> re_;
    Anchor anchor_ = Anchor::search;
};

/// `s` quoted for a message, cut to its first `max_bytes` bytes (at a UTF-8 boundary) plus "…"
/// when longer: "\"(((((…\"".
[[nodiscard]] std::string excerpt(std::string_view s, std::size_t max_bytes = 64);

}  // namespace noctua::core
