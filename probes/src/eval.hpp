#pragma once

// Private to noctua::probes: evaluation of config/expr.hpp trees against probe responses.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "noctua/config/expr.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/http.hpp"

namespace noctua::probes::detail {

/// A value during evaluation. JSON objects and arrays stay views into the parsed document
/// (valid while the Scope that produced them lives).
struct Value {
    enum class Type { missing, null, boolean, number, string, list, json };
    Type type = Type::missing;
    bool boolean = false;
    double number = 0;
    bool is_duration = false;
    std::string string;
    std::vector<Value> items;
    simdjson::dom::element json;
    std::string why;  ///< missing: why (no such key, not JSON, …)

    static Value missing(std::string why) {
        Value v;
        v.why = std::move(why);
        return v;
    }
    static Value of(double n, bool duration = false) {
        Value v;
        v.type = Type::number;
        v.number = n;
        v.is_duration = duration;
        return v;
    }
    static Value of(std::string s) {
        Value v;
        v.type = Type::string;
        v.string = std::move(s);
        return v;
    }
    static Value of_bool(bool b) {
        Value v;
        v.type = Type::boolean;
        v.boolean = b;
        return v;
    }
};

/// "5000.23", "\"USD\"", "[3 items]", "true"; for messages.
[[nodiscard]] std::string describe(const Value& v);

/// Resolves path nodes (`status`, `body.balance`, `steps.token.body.access_token`).
class Scope {
public:
    virtual ~Scope() = default;
    [[nodiscard]] virtual Value lookup(const config::expr::Node& path) const = 0;
};

/// Walks path segments [from, end) into a JSON value; `shown` names the path for messages.
[[nodiscard]] Value navigate(simdjson::dom::element root, const std::vector<config::expr::PathSegment>& path,
                             std::size_t from, const std::string& shown);

/// The scope of one HTTP exchange: status, latency, phase.*, header["X"], body, body.<json>,
/// cert.*. The body is parsed as JSON on first use. Not thread-safe; lives for one evaluation.
class ResponseScope final : public Scope {
public:
    /// `parser`, when given, is used instead of one of its own (a reusable per-thread parser
    /// for scopes that live for one evaluation; must outlive the scope).
    ResponseScope(const core::HttpResponse& response, core::TimePoint now,
                  simdjson::dom::parser* parser = nullptr)
        : response_(response), now_(now), shared_parser_(parser) {}
    [[nodiscard]] Value lookup(const config::expr::Node& path) const override;
    /// Resolves `path` starting at segment `from` (for steps.<name>.… lookups).
    [[nodiscard]] Value lookup_from(const config::expr::Node& path, std::size_t from) const;
    [[nodiscard]] const core::HttpResponse& response() const { return response_; }

private:
    const core::HttpResponse& response_;
    core::TimePoint now_;
    simdjson::dom::parser* shared_parser_ = nullptr;
    mutable std::unique_ptr<simdjson::dom::parser> parser_;
    mutable std::optional<simdjson::dom::element> doc_;
    mutable std::string json_error_;
};

/// A parsed expression (its regular expressions compiled once, by the parser). Immutable and
/// cheap to copy (copies share the tree); compile() interns by source text. Thread-safe.
class Program {
public:
    /// Parses `source` (already validated by config; an error here is reported, not thrown).
    [[nodiscard]] static core::Result<Program> compile(const std::string& source);
    [[nodiscard]] const config::expr::Expression& expression() const { return expr_; }

    /// The value of the whole expression.
    [[nodiscard]] Value evaluate(const Scope& scope) const;
    /// Evaluates as a condition: nullopt when it holds, else a precise message such as
    /// `body.balance >= 1000: body.balance is 500.5`.
    [[nodiscard]] std::optional<std::string> check(const Scope& scope) const;

private:
    [[nodiscard]] static core::Result<Program> compile_uncached(const std::string& source);
    Value eval(const config::expr::Node& n, const Scope& scope) const;
    config::expr::Expression expr_;
};

/// Turns an extracted value into a number: numbers, booleans, numeric strings ("5.00").
[[nodiscard]] std::optional<double> to_number(const Value& v);
/// Turns a value into text for templates and labels; nullopt for missing values.
[[nodiscard]] std::optional<std::string> to_text(const Value& v);

}  // namespace noctua::probes::detail
