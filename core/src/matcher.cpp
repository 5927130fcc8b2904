#include "noctua/core/matcher.hpp"

#include "noctua/core/enum_names.hpp"

namespace noctua::core {
namespace {

constexpr EnumName<MatchOp> kOpTexts[] = {
    {MatchOp::equal, "="},
    {MatchOp::not_equal, "!="},
    {MatchOp::regex, "=~"},
    {MatchOp::not_regex, "!~"},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// Reads a double-quoted string at the start of `s` (escapes \" \\ \n), advancing `s`.
Result<std::string> read_quoted(std::string_view& s) {
    std::string out;
    std::size_t i = 1;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"') break;
        if (c == '\\' && i + 1 < s.size()) {
            const char n = s[++i];
            out.push_back(n == 'n' ? '\n' : n);
            continue;
        }
        out.push_back(c);
    }
    if (i >= s.size()) return fail(Errc::invalid_argument, "unterminated quote");
    s.remove_prefix(i + 1);
    return out;
}

}  // namespace

Result<Matcher> Matcher::make(std::string name, MatchOp op, std::string value) {
    if (!is_label_name(name)) {
        return fail(Errc::invalid_argument, "invalid label name " + excerpt(name));
    }
    Matcher m;
    m.name_ = std::move(name);
    m.op_ = op;
    m.value_ = std::move(value);
    if (op == MatchOp::regex || op == MatchOp::not_regex) {
        auto re = Regex::compile(m.value_, Regex::Anchor::full_match);
        if (!re) return fail(Errc::invalid_argument, "invalid regex: " + re.error().message);
        m.re_ = std::move(*re);
    }
    return m;
}

Result<Matcher> Matcher::parse(std::string_view text) {
    text = trim(text);
    std::size_t i = 0;
    while (i < text.size() && text[i] != '=' && text[i] != '!') ++i;
    const std::string name(trim(text.substr(0, i)));
    std::string_view rest = text.substr(i);
    MatchOp op;
    if (rest.starts_with("=~")) {
        op = MatchOp::regex;
    } else if (rest.starts_with("!~")) {
        op = MatchOp::not_regex;
    } else if (rest.starts_with("!=")) {
        op = MatchOp::not_equal;
    } else if (rest.starts_with("=")) {
        op = MatchOp::equal;
    } else {
        return fail(Errc::invalid_argument,
                    "matcher " + excerpt(text) + " has no operator (=, !=, =~, !~)");
    }
    rest.remove_prefix(op == MatchOp::equal ? 1 : 2);
    rest = trim(rest);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
        auto q = read_quoted(rest);
        if (!q) return std::unexpected(q.error());
        value = std::move(*q);
        if (!trim(rest).empty()) {
            return fail(Errc::invalid_argument,
                        "unexpected text after the value of " + excerpt(text));
        }
    } else {
        if (rest.find_first_of("\", ") != std::string_view::npos) {
            return fail(Errc::invalid_argument, "quote the value of " + excerpt(text));
        }
        value = std::string(rest);
    }
    return make(name, op, std::move(value));
}

bool Matcher::match_value(std::string_view value) const {
    switch (op_) {
        case MatchOp::equal:
            return value == value_;
        case MatchOp::not_equal:
            return value != value_;
        case MatchOp::regex:
            return re_->matches(value);
        case MatchOp::not_regex:
            return !re_->matches(value);
    }
    return false;
}

bool Matcher::matches(const Labels& labels) const {
    return match_value(labels.get(name_).value_or(std::string_view{}));
}

bool Matcher::matches_empty() const { return match_value({}); }

std::string Matcher::to_string() const {
    std::string out = name_;
    out += name_of(kOpTexts, op_, "=");
    out += '"';
    for (const char c : value_) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    out += '"';
    return out;
}

bool matches_all(const Matchers& matchers, const Labels& labels) {
    for (const auto& m : matchers) {
        if (!m.matches(labels)) return false;
    }
    return true;
}

Result<Matchers> parse_matchers(std::string_view text) {
    text = trim(text);
    if (text.starts_with('{')) {
        if (!text.ends_with('}')) {
            return fail(Errc::invalid_argument, "missing closing brace");
        }
        text = trim(text.substr(1, text.size() - 2));
    }
    Matchers out;
    // Split on commas outside quotes.
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size()) {
            if (text[i] == '\\' && quoted) {
                ++i;
                continue;
            }
            if (text[i] == '"') quoted = !quoted;
            if (text[i] != ',' || quoted) continue;
        }
        const auto piece = trim(text.substr(start, i - start));
        start = i + 1;
        if (piece.empty()) {
            if (i == text.size() && out.empty()) break;
            if (i == text.size()) break;  // a trailing comma
            return fail(Errc::invalid_argument, "empty matcher");
        }
        auto m = Matcher::parse(piece);
        if (!m) return std::unexpected(m.error());
        out.push_back(std::move(*m));
    }
    if (quoted) return fail(Errc::invalid_argument, "unterminated quote");
    return out;
}

std::string to_string(const Matchers& matchers) {
    std::string out = "{";
    for (std::size_t i = 0; i < matchers.size(); ++i) {
        if (i) out += ", ";
        out += matchers[i].to_string();
    }
    out += '}';
    return out;
}

}  // namespace noctua::core
