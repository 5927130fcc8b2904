#pragma once

// The small expression language of probe `expect`, `extract` and `{{ }}` templates: syntax only.
// config parses every expression at load time (so `noctua check` reports syntax errors with
// FILE:LINE:COL); probes evaluates the parsed tree against a response. Not a scripting
// language: no assignment, no loops, no user functions.
//
//     status in [200, 201]          status in 200..299        latency < 500ms
//     phase.connect < 100ms         header["Content-Type"] matches "json"
//     body contains "SUCCESS"       body.balance >= 1000      body.content[0].id == 5
//     len(body.content) > 0         body.status in ["SUCCESSFUL", "PROCESSING"]
//     cert.expires_in > 14d         exists(body.transactionId) && body.status != "FAILED"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/regex.hpp"
#include "noctua/core/result.hpp"

namespace noctua::config::expr {

/// One step of a path: `.name`, `["name"]` or `[3]`.
struct PathSegment {
    std::string key;          ///< set for names
    std::size_t index = 0;    ///< used when `is_index`
    bool is_index = false;
    friend bool operator==(const PathSegment&, const PathSegment&) = default;
};

enum class Op {
    eq, ne, lt, le, gt, ge,  // comparisons
    in, contains, matches,   // membership, substring / element, regular expression (RE2, searched)
    logical_and, logical_or, logical_not,
};
[[nodiscard]] std::string_view to_string(Op op);

/// Deepest nesting parse() accepts: parentheses, `!`, lists and function calls inside one
/// another. Deeper input is a SyntaxError, so every walk over a parsed tree recurses boundedly.
inline constexpr std::size_t kMaxDepth = 100;

/// Every function parse() accepts, sorted; each takes one argument, as `f(x)` or `x | f`.
inline constexpr std::string_view kFunctions[] = {
    "exists",  "humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
    "len",     "lower",    "title",        "toLower",          "toUpper"};
/// The functions probes evaluate (expect, extract, until and request templates).
inline constexpr std::string_view kProbeFunctions[] = {"exists", "len", "lower"};
/// The functions of alert rule templates (labels and annotations).
inline constexpr std::string_view kAlertFunctions[] = {
    "humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
    "lower",    "title",        "toLower",          "toUpper"};

/// A node of the parsed tree. Immutable once parsed; shared between copies of an Expression.
/// `&&` and `||` are n-ary (`a && b && c` is one node with three children), so a long chain
/// of conditions is a flat node, not a deep tree.
struct Node {
    enum class Kind { null, boolean, number, string, list, range, path, call, unary, binary };
    Kind kind = Kind::null;
    std::size_t offset = 0;  ///< where the node starts in the source text (0-based)
    bool boolean = false;
    double number = 0;       ///< number literals; durations are in seconds
    bool is_duration = false;
    std::string text;        ///< string literal, function name, or the source of a path
    std::vector<std::shared_ptr<const Node>> children;  ///< list items, call args, operands
    std::vector<PathSegment> path;                      ///< path: path[0].key is the root
    Op op = Op::eq;
    std::optional<core::Regex> regex;  ///< `matches`: its pattern, compiled once at parse time
};
using NodePtr = std::shared_ptr<const Node>;

/// A syntax error at `offset` (0-based, in bytes) of the parsed text.
struct SyntaxError {
    std::size_t offset = 0;
    std::string message;
};

/// A parsed expression: the tree plus its source. A cheap-to-copy value.
class Expression {
public:
    Expression() = default;
    Expression(std::string source, NodePtr root) : source_(std::move(source)), root_(std::move(root)) {}
    [[nodiscard]] const std::string& source() const { return source_; }
    [[nodiscard]] const Node& root() const { return *root_; }
    [[nodiscard]] bool empty() const { return root_ == nullptr; }
    /// The root names of every path used (`status`, `body`, `steps`…), sorted, unique.
    [[nodiscard]] std::vector<std::string> roots() const;

private:
    std::string source_;
    NodePtr root_;
};

/// Parses one expression. Functions (kFunctions): len(x), exists(path), lower(x), the
/// humanising ones of alert templates; `x | f` is f(x). Paths may start with `.` or `$`
/// (`.Labels.provider`, `$value`: alert templates), which stays part of the root's name. Literals: numbers,
/// durations (`500ms`, `14d`, in seconds), 'single' or "double" quoted strings, true, false,
/// null, lists `[a, b]`, inclusive integer ranges `200..299`. The right side of `matches` is a
/// quoted RE2 pattern, compiled here (core::Regex). Nesting deeper than kMaxDepth, an invalid
/// or oversized pattern and any syntax error are a SyntaxError at the offending byte; no input
/// makes parse() recurse without bound.
[[nodiscard]] std::expected<Expression, SyntaxError> parse(std::string_view text);

/// Reports the first path whose root is not in `allowed` (e.g. `stauts`), with a suggestion.
[[nodiscard]] std::expected<void, SyntaxError> check_roots(const Expression& e,
                                                           std::span<const std::string_view> allowed);

/// Reports the first call of a function not in `allowed` (e.g. `humanize` in a probe).
[[nodiscard]] std::expected<void, SyntaxError> check_functions(
    const Expression& e, std::span<const std::string_view> allowed);

/// A string with `{{ expression }}` holes, e.g. "Bearer {{ steps.token.body.access_token }}".
struct Template {
    struct Part {
        std::string literal;    ///< used when `expression` is empty
        Expression expression;  ///< a hole
        std::size_t offset = 0; ///< where the part starts in the template text
    };
    std::vector<Part> parts;
    [[nodiscard]] bool has_holes() const;
};

/// Parses a template; error offsets are into `text`.
[[nodiscard]] std::expected<Template, SyntaxError> parse_template(std::string_view text);

/// Checks every hole's roots against `allowed`; offsets are into the template text.
[[nodiscard]] std::expected<void, SyntaxError> check_roots(const Template& t,
                                                           std::span<const std::string_view> allowed);

/// check_functions() over every hole; offsets are into the template text.
[[nodiscard]] std::expected<void, SyntaxError> check_functions(
    const Template& t, std::span<const std::string_view> allowed);

}  // namespace noctua::config::expr
