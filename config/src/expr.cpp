#include "noctua/config/expr.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "noctua/core/duration.hpp"
#include "text.hpp"

namespace noctua::config::expr {
namespace {

using Unexpected = std::unexpected<SyntaxError>;

bool known_function(std::string_view name) {
    return std::find(std::begin(kFunctions), std::end(kFunctions), name) != std::end(kFunctions);
}

std::string unknown_function(std::string_view name) {
    return fmt::format("unknown function {}; known functions: {}", core::excerpt(name),
                       fmt::join(kFunctions, ", "));
}

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Recursive descent over the source text; errors carry byte offsets.
class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    std::expected<NodePtr, SyntaxError> parse_all() {
        auto e = parse_pipeline();
        if (!e) return e;
        skip_space();
        if (pos_ < text_.size()) {
            return fail(pos_, fmt::format("unexpected {} after the expression", describe_here()));
        }
        return e;
    }

private:
    static Unexpected fail(std::size_t at, std::string message) {
        return Unexpected(SyntaxError{at, std::move(message)});
    }

    std::string describe_here() const {
        if (pos_ >= text_.size()) return "end of expression";
        std::size_t n = 1;
        while (pos_ + n < text_.size() && n < 12 && !std::isspace(static_cast<unsigned char>(text_[pos_ + n]))) ++n;
        return detail::quote(text_.substr(pos_, n));
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
    }

    bool eat(std::string_view token) {
        skip_space();
        if (text_.substr(pos_, token.size()) != token) return false;
        pos_ += token.size();
        return true;
    }

    /// A keyword operator (`and`, `in`…): the word must not continue as an identifier.
    bool eat_word(std::string_view word) {
        skip_space();
        if (text_.substr(pos_, word.size()) != word) return false;
        const std::size_t end = pos_ + word.size();
        if (end < text_.size() && is_ident_char(text_[end])) return false;
        pos_ = end;
        return true;
    }

    static std::shared_ptr<Node> binary(Op op, std::size_t at, NodePtr a, NodePtr b) {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::binary;
        n->op = op;
        n->offset = at;
        n->children = {std::move(a), std::move(b)};
        return n;
    }

    /// One level of nesting (a parenthesis, `!`, list or call) for as long as it lives.
    class Nesting {
    public:
        explicit Nesting(std::size_t& depth) : depth_(++depth) {}
        ~Nesting() { --depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;
        [[nodiscard]] bool too_deep() const { return depth_ > kMaxDepth; }

    private:
        std::size_t& depth_;
    };

    static Unexpected too_deep(std::size_t at) {
        return fail(at, fmt::format("nested too deeply: at most {} levels of parentheses, !, lists "
                                    "and calls",
                                    kMaxDepth));
    }

    /// `a || b || c` (or `&&`): one n-ary node, however long the chain.
    template <class Operand>
    std::expected<NodePtr, SyntaxError> parse_chain(Op op, std::string_view symbol, std::string_view word,
                                                    Operand operand) {
        auto first = (this->*operand)();
        if (!first) return first;
        std::shared_ptr<Node> chain;
        while (true) {
            const std::size_t at = pos_;
            if (!eat(symbol) && !eat_word(word)) break;
            auto next = (this->*operand)();
            if (!next) return next;
            if (!chain) {
                chain = binary(op, at, std::move(*first), std::move(*next));
            } else {
                chain->children.push_back(std::move(*next));
            }
        }
        if (!chain) return first;
        return NodePtr(std::move(chain));
    }

    std::expected<NodePtr, SyntaxError> parse_or() {
        return parse_chain(Op::logical_or, "||", "or", &Parser::parse_and);
    }

    /// `x | humanize | toUpper`: each `| f` is the call f(x). Every pipe is a level of nesting,
    /// so a long pipeline is bounded like nested calls.
    std::expected<NodePtr, SyntaxError> parse_pipeline() {
        auto value = parse_or();
        if (!value) return value;
        const std::size_t outer = depth_;
        NodePtr result = std::move(*value);
        while (true) {
            skip_space();
            if (text_.substr(pos_, 1) != "|" || text_.substr(pos_, 2) == "||") break;
            ++pos_;
            skip_space();
            const std::size_t at = pos_;
            if (++depth_ > kMaxDepth) {
                depth_ = outer;
                return too_deep(at);
            }
            while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
            const auto name = text_.substr(at, pos_ - at);
            if (name.empty()) {
                depth_ = outer;
                return fail(at, fmt::format("expected a function name after |, found {}", describe_here()));
            }
            if (!known_function(name)) {
                depth_ = outer;
                return fail(at, unknown_function(name));
            }
            auto n = std::make_shared<Node>();
            n->kind = Node::Kind::call;
            n->offset = at;
            n->text = std::string(name);
            n->children = {std::move(result)};
            result = std::move(n);
        }
        depth_ = outer;
        return result;
    }

    std::expected<NodePtr, SyntaxError> parse_and() {
        return parse_chain(Op::logical_and, "&&", "and", &Parser::parse_not);
    }

    std::expected<NodePtr, SyntaxError> parse_not() {
        skip_space();
        const std::size_t at = pos_;
        bool negate = false;
        if (text_.substr(pos_, 1) == "!" && text_.substr(pos_, 2) != "!=") {
            ++pos_;
            negate = true;
        } else if (eat_word("not")) {
            negate = true;
        }
        if (!negate) return parse_comparison();
        const Nesting nesting(depth_);
        if (nesting.too_deep()) return too_deep(at);
        auto operand = parse_not();
        if (!operand) return operand;
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::unary;
        n->op = Op::logical_not;
        n->offset = at;
        n->children = {std::move(*operand)};
        return NodePtr(n);
    }

    std::expected<NodePtr, SyntaxError> parse_comparison() {
        auto left = parse_primary();
        if (!left) return left;
        skip_space();
        const std::size_t at = pos_;
        std::optional<Op> op;
        // Two-character operators first so "<=" is not read as "<".
        if (eat("==")) op = Op::eq;
        else if (eat("!=")) op = Op::ne;
        else if (eat("<=")) op = Op::le;
        else if (eat(">=")) op = Op::ge;
        else if (eat("=~")) op = Op::matches;
        else if (eat("<")) op = Op::lt;
        else if (eat(">")) op = Op::gt;
        else if (eat_word("in")) op = Op::in;
        else if (eat_word("contains")) op = Op::contains;
        else if (eat_word("matches")) op = Op::matches;
        if (!op) {
            if (pos_ < text_.size() && text_[pos_] == '=') {
                return fail(pos_, "use == to compare (a single = is not an operator)");
            }
            return left;
        }
        auto right = parse_primary();
        if (!right) return right;
        std::optional<core::Regex> regex;
        if (*op == Op::matches) {
            if ((*right)->kind != Node::Kind::string) {
                return fail((*right)->offset, "matches needs a quoted pattern such as \"^application/json\"");
            }
            auto compiled = core::Regex::compile((*right)->text);
            if (!compiled) return fail((*right)->offset, std::move(compiled.error().message));
            regex = std::move(*compiled);
        }
        if (*op == Op::in && (*right)->kind != Node::Kind::list && (*right)->kind != Node::Kind::range &&
            (*right)->kind != Node::Kind::path && (*right)->kind != Node::Kind::call) {
            return fail((*right)->offset,
                        "`in` needs a list such as [200, 201], a range such as 200..299 or a path");
        }
        skip_space();
        if (pos_ < text_.size() && (text_[pos_] == '<' || text_[pos_] == '>' || text_.substr(pos_, 2) == "==")) {
            return fail(pos_, "comparisons do not chain: join them with &&");
        }
        auto n = binary(*op, at, std::move(*left), std::move(*right));
        n->regex = std::move(regex);
        return NodePtr(std::move(n));
    }

    /// A number or duration; with `allow_range`, also `low..high` (whose bound is a plain number).
    std::expected<NodePtr, SyntaxError> parse_number(bool allow_range = true) {
        const std::size_t start = pos_;
        if (text_[pos_] == '-') ++pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        bool fraction = false;
        if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
            fraction = true;
            ++pos_;
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        }
        auto n = std::make_shared<Node>();
        n->offset = start;
        n->kind = Node::Kind::number;
        if (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_])) != 0) {
            // A duration such as 500ms, 14d or 1h30m: letters and digits run together.
            while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
            const auto word = text_.substr(start, pos_ - start);
            auto d = fraction || word.front() == '-' ? core::Result<core::Duration>(core::fail(core::Errc::parse, ""))
                                                     : core::parse_duration(word);
            if (!d) {
                return fail(start, fmt::format("invalid duration {}: use a whole number with a unit "
                                               "(ms, s, m, h, d, w) such as 500ms or 14d",
                                               core::excerpt(word)));
            }
            n->number = std::chrono::duration<double>(*d).count();
            n->is_duration = true;
            return NodePtr(n);
        }
        const auto word = text_.substr(start, pos_ - start);
        double value = 0;
        auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
        if (ec != std::errc{} || ptr != word.data() + word.size()) {
            return fail(start, fmt::format("invalid number {}", core::excerpt(word)));
        }
        n->number = value;
        // An inclusive range of whole numbers: 200..299.
        if (allow_range && !fraction && text_.substr(pos_, 2) == "..") {
            pos_ += 2;
            const std::size_t high_at = pos_;
            if (pos_ >= text_.size() || !(is_digit(text_[pos_]) || text_[pos_] == '-')) {
                return fail(high_at, "a range needs an upper bound, such as 200..299");
            }
            auto high = parse_number(false);
            if (!high) return high;
            if ((*high)->kind != Node::Kind::number || (*high)->is_duration) {
                return fail(high_at, "a range's bounds are whole numbers, such as 200..299");
            }
            if (text_.substr(pos_, 2) == "..") return fail(pos_, "a range has two bounds, such as 200..299");
            if ((*high)->number < value) {
                return fail(start, "invalid range: the lower bound must come first");
            }
            auto r = std::make_shared<Node>();
            r->kind = Node::Kind::range;
            r->offset = start;
            r->children = {NodePtr(n), std::move(*high)};
            return NodePtr(r);
        }
        return NodePtr(n);
    }

    std::expected<NodePtr, SyntaxError> parse_string() {
        const std::size_t start = pos_;
        const char quote = text_[pos_++];
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            char c = text_[pos_++];
            if (c == '\\') {
                if (pos_ >= text_.size()) break;
                const char e = text_[pos_++];
                switch (e) {
                    case 'n': out += '\n'; break;
                    case 't': out += '\t'; break;
                    case 'r': out += '\r'; break;
                    case '\\': case '"': case '\'': out += e; break;
                    default:
                        // Regular expressions keep their escapes: "\d" stays "\d".
                        out += '\\';
                        out += e;
                }
                continue;
            }
            out += c;
        }
        if (pos_ >= text_.size()) return fail(start, "unterminated string");
        ++pos_;
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::string;
        n->offset = start;
        n->text = std::move(out);
        return NodePtr(n);
    }

    std::expected<NodePtr, SyntaxError> parse_list() {
        const Nesting nesting(depth_);
        if (nesting.too_deep()) return too_deep(pos_);
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::list;
        n->offset = pos_;
        ++pos_;  // '['
        if (eat("]")) return NodePtr(n);
        while (true) {
            auto item = parse_primary();
            if (!item) return item;
            n->children.push_back(std::move(*item));
            if (eat("]")) return NodePtr(n);
            if (!eat(",")) return fail(pos_, fmt::format("expected , or ] in the list, found {}", describe_here()));
        }
    }

    std::expected<NodePtr, SyntaxError> parse_path(std::size_t start, std::string root) {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::path;
        n->offset = start;
        n->path.push_back(PathSegment{std::move(root), 0, false});
        while (pos_ < text_.size()) {
            if (text_[pos_] == '.' && text_.substr(pos_, 2) != "..") {
                ++pos_;
                if (pos_ >= text_.size() || !(is_ident_start(text_[pos_]) || is_digit(text_[pos_]))) {
                    return fail(pos_, "expected a name after '.'");
                }
                const std::size_t s = pos_;
                while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
                n->path.push_back(PathSegment{std::string(text_.substr(s, pos_ - s)), 0, false});
            } else if (text_[pos_] == '[') {
                ++pos_;
                skip_space();
                if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\'')) {
                    auto key = parse_string();
                    if (!key) return key;
                    n->path.push_back(PathSegment{(*key)->text, 0, false});
                } else {
                    const std::size_t s = pos_;
                    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
                    std::size_t index = 0;
                    if (s == pos_ || std::from_chars(text_.data() + s, text_.data() + pos_, index).ec != std::errc{}) {
                        return fail(s, "expected an index such as [0] or a quoted key such as [\"name\"]");
                    }
                    n->path.push_back(PathSegment{{}, index, true});
                }
                if (!eat("]")) return fail(pos_, "expected ]");
            } else {
                break;
            }
        }
        n->text = std::string(text_.substr(start, pos_ - start));
        return NodePtr(n);
    }

    std::expected<NodePtr, SyntaxError> parse_primary() {
        skip_space();
        if (pos_ >= text_.size()) return fail(pos_, "expected a value, found the end of the expression");
        const char c = text_[pos_];
        const std::size_t start = pos_;
        if (is_digit(c) || (c == '-' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) return parse_number();
        if (c == '"' || c == '\'') return parse_string();
        if (c == '[') return parse_list();
        if (c == '(') {
            const Nesting nesting(depth_);
            if (nesting.too_deep()) return too_deep(pos_);
            ++pos_;
            auto inner = parse_pipeline();
            if (!inner) return inner;
            if (!eat(")")) return fail(pos_, fmt::format("expected ), found {}", describe_here()));
            return inner;
        }
        // `.Labels.provider` and `$labels.provider` (alert templates): the prefix is part of the
        // root's name, so other expressions do not accept them.
        if ((c == '.' || c == '$') && pos_ + 1 < text_.size() && is_ident_start(text_[pos_ + 1])) {
            ++pos_;
            while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
            return parse_path(start, std::string(text_.substr(start, pos_ - start)));
        }
        if (!is_ident_start(c)) return fail(pos_, fmt::format("expected a value, found {}", describe_here()));
        while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
        std::string word(text_.substr(start, pos_ - start));
        if (word == "true" || word == "false") {
            auto n = std::make_shared<Node>();
            n->kind = Node::Kind::boolean;
            n->boolean = word == "true";
            n->offset = start;
            return NodePtr(n);
        }
        if (word == "null") {
            auto n = std::make_shared<Node>();
            n->offset = start;
            return NodePtr(n);
        }
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == '(') {
            if (!known_function(word)) return fail(start, unknown_function(word));
            const Nesting nesting(depth_);
            if (nesting.too_deep()) return too_deep(pos_);
            ++pos_;
            auto arg = parse_pipeline();
            if (!arg) return arg;
            if (!eat(")")) return fail(pos_, fmt::format("{}() takes one argument; expected )", word));
            if (word == "exists" && (*arg)->kind != Node::Kind::path) {
                return fail((*arg)->offset, "exists() takes a path such as body.transactionId");
            }
            auto n = std::make_shared<Node>();
            n->kind = Node::Kind::call;
            n->offset = start;
            n->text = std::move(word);
            n->children = {std::move(*arg)};
            return NodePtr(n);
        }
        pos_ = start + word.size();
        return parse_path(start, std::move(word));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;  ///< nesting levels open at pos_
};

void collect_roots(const Node& n, std::set<std::string>& out) {
    if (n.kind == Node::Kind::path) out.insert(n.path.front().key);
    for (const auto& c : n.children) collect_roots(*c, out);
}

const Node* first_bad_root(const Node& n, std::span<const std::string_view> allowed) {
    if (n.kind == Node::Kind::path &&
        std::find(allowed.begin(), allowed.end(), n.path.front().key) == allowed.end()) {
        return &n;
    }
    for (const auto& c : n.children) {
        if (const auto* bad = first_bad_root(*c, allowed)) return bad;
    }
    return nullptr;
}

const Node* first_bad_call(const Node& n, std::span<const std::string_view> allowed) {
    if (n.kind == Node::Kind::call &&
        std::find(allowed.begin(), allowed.end(), n.text) == allowed.end()) {
        return &n;
    }
    for (const auto& c : n.children) {
        if (const auto* bad = first_bad_call(*c, allowed)) return bad;
    }
    return nullptr;
}

}  // namespace

std::string_view to_string(Op op) {
    switch (op) {
        case Op::eq: return "==";
        case Op::ne: return "!=";
        case Op::lt: return "<";
        case Op::le: return "<=";
        case Op::gt: return ">";
        case Op::ge: return ">=";
        case Op::in: return "in";
        case Op::contains: return "contains";
        case Op::matches: return "matches";
        case Op::logical_and: return "&&";
        case Op::logical_or: return "||";
        case Op::logical_not: return "!";
    }
    return "?";
}

std::vector<std::string> Expression::roots() const {
    std::set<std::string> out;
    if (root_) collect_roots(*root_, out);
    return {out.begin(), out.end()};
}

std::expected<Expression, SyntaxError> parse(std::string_view text) {
    try {
        Parser p(text);
        auto root = p.parse_all();
        if (!root) return Unexpected(root.error());
        return Expression(std::string(text), std::move(*root));
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        return Unexpected(SyntaxError{0, e.what()});
    }
}

std::expected<void, SyntaxError> check_roots(const Expression& e,
                                             std::span<const std::string_view> allowed) {
    if (e.empty()) return {};
    const Node* bad = first_bad_root(e.root(), allowed);
    if (bad == nullptr) return {};
    const std::vector<std::string> known(allowed.begin(), allowed.end());
    return Unexpected(SyntaxError{
        bad->offset, detail::unknown_message("name", "names", bad->path.front().key, known, false)});
}

std::expected<void, SyntaxError> check_functions(const Expression& e,
                                                 std::span<const std::string_view> allowed) {
    if (e.empty()) return {};
    const Node* bad = first_bad_call(e.root(), allowed);
    if (bad == nullptr) return {};
    return Unexpected(SyntaxError{bad->offset, fmt::format("{}() is not available here; functions: {}",
                                                           bad->text, fmt::join(allowed, ", "))});
}

}  // namespace noctua::config::expr
