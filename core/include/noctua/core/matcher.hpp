#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/labels.hpp"
#include "noctua/core/regex.hpp"
#include "noctua/core/result.hpp"

namespace noctua::core {

/// How a matcher compares a label's value.
enum class MatchOp { equal, not_equal, regex, not_regex };

/// One label matcher in Alertmanager's syntax: `name="value"`, `name!="value"`,
/// `name=~"regex"`, `name!~"regex"`. A missing label matches as the empty string, and a regex
/// must match the whole value (it is anchored), as in Prometheus and Alertmanager.
///
/// Regexes are core::Regex (RE2: linear time, bounded size), compiled once at construction and
/// shared between copies. A value type; const methods are thread-safe.
class Matcher {
public:
    /// Errors: Errc::invalid_argument for an empty or malformed name, a regex RE2 rejects,
    /// or one whose program is over the size limit.
    [[nodiscard]] static Result<Matcher> make(std::string name, MatchOp op, std::string value);
    /// Parses one matcher, e.g. `provider=~"acme|zeta"`; the value may be unquoted when it has
    /// no spaces, commas or quotes.
    [[nodiscard]] static Result<Matcher> parse(std::string_view text);

    [[nodiscard]] bool matches(const Labels& labels) const;
    /// True when the matcher matches a missing label (`foo=""`, `foo=~".*"`, `foo!="x"`).
    [[nodiscard]] bool matches_empty() const;

    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] MatchOp op() const { return op_; }
    [[nodiscard]] const std::string& value() const { return value_; }
    /// `name=~"value"`, with `"` and `\` escaped: the form parse() reads back.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Matcher& a, const Matcher& b) {
        return a.name_ == b.name_ && a.op_ == b.op_ && a.value_ == b.value_;
    }

private:
    Matcher() = default;
    [[nodiscard]] bool match_value(std::string_view value) const;

    std::string name_;
    MatchOp op_ = MatchOp::equal;
    std::string value_;
    std::optional<Regex> re_;  // set for regex and not_regex
};

/// A conjunction of matchers: all must match.
using Matchers = std::vector<Matcher>;

[[nodiscard]] bool matches_all(const Matchers& matchers, const Labels& labels);

/// Parses `{a="1", b=~"x|y"}` or `a="1", b=~"x|y"` (braces optional; an empty list is fine).
/// Errors name the failing matcher.
[[nodiscard]] Result<Matchers> parse_matchers(std::string_view text);

/// `{a="1", b=~"x|y"}`.
[[nodiscard]] std::string to_string(const Matchers& matchers);

}  // namespace noctua::core
