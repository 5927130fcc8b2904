#include "eval.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include "noctua/core/json.hpp"

namespace noctua::probes::detail {
namespace {

using config::expr::Node;
using config::expr::Op;
using Kind = Node::Kind;
using Type = Value::Type;

std::string json_quote(std::string_view s) {
    std::string out;
    core::append_json_string(out, s);
    return out;
}

std::string number_text(double n) {
    if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e15) {
        return fmt::format("{}", static_cast<long long>(n));
    }
    return fmt::format("{}", n);
}

/// A JSON scalar becomes a plain value; objects and arrays stay views.
Value from_json(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
        case element_type::INT64: return Value::of(static_cast<double>(int64_t(e)));
        case element_type::UINT64: return Value::of(static_cast<double>(uint64_t(e)));
        case element_type::DOUBLE: return Value::of(double(e));
        case element_type::STRING: return Value::of(std::string(std::string_view(e)));
        case element_type::BOOL: return Value::of_bool(bool(e));
        case element_type::NULL_VALUE: {
            Value v;
            v.type = Type::null;
            return v;
        }
        case element_type::ARRAY:
        case element_type::OBJECT: {
            Value v;
            v.type = Type::json;
            v.json = e;
            return v;
        }
    }
    return Value::missing("unsupported JSON value");
}

bool is_array(const Value& v) {
    return v.type == Type::list ||
           (v.type == Type::json && v.json.type() == simdjson::dom::element_type::ARRAY);
}

/// The elements of a list or JSON array.
std::vector<Value> elements(const Value& v) {
    if (v.type == Type::list) return v.items;
    std::vector<Value> out;
    if (v.type == Type::json && v.json.type() == simdjson::dom::element_type::ARRAY) {
        for (auto e : simdjson::dom::array(v.json)) out.push_back(from_json(e));
    }
    return out;
}

std::optional<std::size_t> length(const Value& v) {
    switch (v.type) {
        case Type::string: return v.string.size();
        case Type::list: return v.items.size();
        case Type::json: {
            std::size_t n = 0;
            if (v.json.type() == simdjson::dom::element_type::ARRAY) {
                for ([[maybe_unused]] auto e : simdjson::dom::array(v.json)) ++n;
            } else {
                for ([[maybe_unused]] auto kv : simdjson::dom::object(v.json)) ++n;
            }
            return n;
        }
        default: return std::nullopt;
    }
}

bool truthy(const Value& v) {
    switch (v.type) {
        case Type::missing:
        case Type::null: return false;
        case Type::boolean: return v.boolean;
        case Type::number: return v.number != 0;
        case Type::string: return !v.string.empty();
        case Type::list: return !v.items.empty();
        case Type::json: return true;
    }
    return false;
}

bool equal(const Value& a, const Value& b) {
    if (a.type == Type::number && b.type == Type::number) return a.number == b.number;
    // "5.00" == 5: providers send amounts as strings.
    if (a.type == Type::number || b.type == Type::number) {
        auto x = to_number(a);
        auto y = to_number(b);
        return x && y && (a.type != Type::boolean && b.type != Type::boolean) && *x == *y;
    }
    if (a.type != b.type) return false;
    switch (a.type) {
        case Type::null: return true;
        case Type::boolean: return a.boolean == b.boolean;
        case Type::string: return a.string == b.string;
        case Type::list: {
            if (a.items.size() != b.items.size()) return false;
            for (std::size_t i = 0; i < a.items.size(); ++i) {
                if (!equal(a.items[i], b.items[i])) return false;
            }
            return true;
        }
        case Type::json: return simdjson::to_string(a.json) == simdjson::to_string(b.json);
        default: return false;
    }
}

}  // namespace

std::string describe(const Value& v) {
    switch (v.type) {
        case Type::missing: return "missing";
        case Type::null: return "null";
        case Type::boolean: return v.boolean ? "true" : "false";
        case Type::number: return v.is_duration ? number_text(v.number) + "s" : number_text(v.number);
        case Type::string: {
            auto s = json_quote(v.string.size() > 80 ? v.string.substr(0, 80) + "…" : v.string);
            return s;
        }
        case Type::list: return fmt::format("[{} items]", v.items.size());
        case Type::json: {
            std::string text = simdjson::to_string(v.json);
            if (text.size() > 80) text = text.substr(0, 80) + "…";
            return text;
        }
    }
    return "?";
}

std::optional<double> to_number(const Value& v) {
    switch (v.type) {
        case Type::number: return v.number;
        case Type::boolean: return v.boolean ? 1.0 : 0.0;
        case Type::string: {
            double d = 0;
            const auto& s = v.string;
            auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
            if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
            return d;
        }
        default: return std::nullopt;
    }
}

std::optional<std::string> to_text(const Value& v) {
    switch (v.type) {
        case Type::missing: return std::nullopt;
        case Type::string: return v.string;
        case Type::number: return number_text(v.number);
        case Type::json: return simdjson::to_string(v.json);
        default: return describe(v);
    }
}

Value navigate(simdjson::dom::element root, const std::vector<config::expr::PathSegment>& path,
               std::size_t from, const std::string& shown) {
    simdjson::dom::element cur = root;
    std::string at = shown;
    for (std::size_t i = from; i < path.size(); ++i) {
        const auto& seg = path[i];
        if (seg.is_index) {
            if (cur.type() != simdjson::dom::element_type::ARRAY) {
                return Value::missing(fmt::format("{} is not an array", at));
            }
            simdjson::dom::array arr(cur);
            auto next = arr.at(seg.index);
            if (next.error()) {
                return Value::missing(
                    fmt::format("{} has {} elements, no [{}]", at, arr.size(), seg.index));
            }
            cur = next.value_unsafe();
            at += fmt::format("[{}]", seg.index);
        } else {
            if (cur.type() != simdjson::dom::element_type::OBJECT) {
                return Value::missing(fmt::format("{} is not an object", at));
            }
            auto next = simdjson::dom::object(cur).at_key(seg.key);
            if (next.error()) return Value::missing(fmt::format("no key {} in {}", json_quote(seg.key), at));
            cur = next.value_unsafe();
            at += "." + seg.key;
        }
    }
    return from_json(cur);
}

Value ResponseScope::lookup(const Node& path) const { return lookup_from(path, 0); }

Value ResponseScope::lookup_from(const Node& path, std::size_t from) const {
    const auto& segs = path.path;
    const std::string& root = segs[from].key;
    const std::size_t rest = segs.size() - from - 1;
    const auto name_at = [&](std::size_t i) -> const std::string* {
        return i < segs.size() && !segs[i].is_index ? &segs[i].key : nullptr;
    };
    if (root == "status") return Value::of(response_.status);
    if (root == "latency") return Value::of(response_.timings.total, true);
    if (root == "phase") {
        const std::string* phase = name_at(from + 1);
        if (phase == nullptr || rest != 1) {
            return Value::missing("use phase.dns, phase.connect, phase.tls, phase.first_byte or phase.transfer");
        }
        const auto& t = response_.timings;
        const double tls_end = t.tls > 0 ? t.tls : t.connect;
        if (*phase == "dns") return Value::of(t.dns, true);
        if (*phase == "connect") return Value::of(std::max(0.0, t.connect - t.dns), true);
        if (*phase == "tls") return Value::of(t.tls > 0 ? std::max(0.0, t.tls - t.connect) : 0.0, true);
        if (*phase == "first_byte") return Value::of(std::max(0.0, t.first_byte - tls_end), true);
        if (*phase == "transfer") return Value::of(std::max(0.0, t.total - t.first_byte), true);
        return Value::missing(fmt::format("unknown phase {}", json_quote(*phase)));
    }
    if (root == "header" || root == "headers") {
        const std::string* name = name_at(from + 1);
        if (name == nullptr || rest != 1) return Value::missing("use header[\"Name\"]");
        auto h = core::find_header(response_.headers, *name);
        if (!h) return Value::missing(fmt::format("no header {}", json_quote(*name)));
        return Value::of(std::string(*h));
    }
    if (root == "cert") {
        if (!response_.certificate) return Value::missing("no TLS certificate (plain HTTP or no handshake)");
        const std::string* field = name_at(from + 1);
        const auto& c = *response_.certificate;
        if (field != nullptr && rest == 1) {
            if (*field == "expires_in") {
                const double now = std::chrono::duration<double>(now_.time_since_epoch()).count();
                return Value::of(static_cast<double>(c.not_after) - now, true);
            }
            if (*field == "not_after") return Value::of(static_cast<double>(c.not_after));
            if (*field == "issuer") return Value::of(c.issuer);
            if (*field == "subject") return Value::of(c.subject);
        }
        return Value::missing("use cert.expires_in, cert.not_after, cert.issuer or cert.subject");
    }
    if (root == "body") {
        if (rest == 0) return Value::of(response_.body);
        if (!doc_ && json_error_.empty()) {
            simdjson::dom::parser* parser = shared_parser_;
            if (parser == nullptr) {
                parser_ = std::make_unique<simdjson::dom::parser>();
                parser = parser_.get();
            }
            auto parsed = parser->parse(response_.body);
            if (parsed.error()) {
                json_error_ = fmt::format("body is not valid JSON ({})", simdjson::error_message(parsed.error()));
            } else {
                doc_ = parsed.value_unsafe();
            }
        }
        if (!doc_) return Value::missing(json_error_);
        return navigate(*doc_, segs, from + 1, "body");
    }
    return Value::missing(fmt::format("{} is not available here", root));
}

core::Result<Program> Program::compile(const std::string& source) {
    // Thousands of probes usually share a handful of expressions: their trees are immutable,
    // so one parsed copy serves them all (copies share nodes and regexes).
    static std::mutex mu;  // guards cache
    static std::map<std::string, Program, std::less<>> cache;
    {
        std::lock_guard lock(mu);
        if (auto it = cache.find(source); it != cache.end()) return it->second;
    }
    auto made = compile_uncached(source);
    if (!made) return made;
    std::lock_guard lock(mu);
    if (cache.size() >= 10'000) cache.clear();  // bounded across many reloads
    cache.emplace(source, *made);
    return made;
}

core::Result<Program> Program::compile_uncached(const std::string& source) {
    auto parsed = config::expr::parse(source);
    if (!parsed) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("expression {}: {}", core::excerpt(source), parsed.error().message));
    }
    Program p;
    p.expr_ = std::move(*parsed);
    return p;
}

Value Program::evaluate(const Scope& scope) const { return eval(expr_.root(), scope); }

Value Program::eval(const Node& n, const Scope& scope) const {
    switch (n.kind) {
        case Kind::null: {
            Value v;
            v.type = Type::null;
            return v;
        }
        case Kind::boolean: return Value::of_bool(n.boolean);
        case Kind::number: return Value::of(n.number, n.is_duration);
        case Kind::string: return Value::of(n.text);
        case Kind::list: {
            Value v;
            v.type = Type::list;
            for (const auto& c : n.children) v.items.push_back(eval(*c, scope));
            return v;
        }
        case Kind::range: {
            // Only meaningful as the right side of `in`; alone it is its bounds.
            Value v;
            v.type = Type::list;
            v.items = {eval(*n.children[0], scope), eval(*n.children[1], scope)};
            return v;
        }
        case Kind::path: return scope.lookup(n);
        case Kind::call: {
            Value arg = eval(*n.children[0], scope);
            if (n.text == "exists") return Value::of_bool(arg.type != Type::missing);
            if (arg.type == Type::missing) return arg;
            if (n.text == "len") {
                auto len = length(arg);
                if (!len) return Value::missing(fmt::format("len() of {} ({})", n.children[0]->text, describe(arg)));
                return Value::of(static_cast<double>(*len));
            }
            if (n.text == "lower") {
                auto text = to_text(arg);
                std::string s = text.value_or("");
                std::transform(s.begin(), s.end(), s.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                return Value::of(std::move(s));
            }
            return Value::missing("unknown function " + n.text);
        }
        case Kind::unary: return Value::of_bool(!truthy(eval(*n.children[0], scope)));
        case Kind::binary: break;
    }
    if (n.op == Op::logical_and) {
        return Value::of_bool(std::all_of(n.children.begin(), n.children.end(),
                                          [&](const auto& c) { return truthy(eval(*c, scope)); }));
    }
    if (n.op == Op::logical_or) {
        return Value::of_bool(std::any_of(n.children.begin(), n.children.end(),
                                          [&](const auto& c) { return truthy(eval(*c, scope)); }));
    }
    const Value a = eval(*n.children[0], scope);
    if (a.type == Type::missing) return Value::of_bool(false);
    const Node& rhs = *n.children[1];
    switch (n.op) {
        case Op::eq: return Value::of_bool(equal(a, eval(rhs, scope)));
        case Op::ne: {
            const Value b = eval(rhs, scope);
            return Value::of_bool(b.type != Type::missing && !equal(a, b));
        }
        case Op::lt:
        case Op::le:
        case Op::gt:
        case Op::ge: {
            const Value b = eval(rhs, scope);
            int cmp = 0;
            if (a.type == Type::string && b.type == Type::string) {
                cmp = a.string.compare(b.string);
            } else {
                auto x = to_number(a);
                auto y = to_number(b);
                if (!x || !y || a.type == Type::boolean || b.type == Type::boolean) return Value::of_bool(false);
                cmp = *x < *y ? -1 : (*x > *y ? 1 : 0);
            }
            switch (n.op) {
                case Op::lt: return Value::of_bool(cmp < 0);
                case Op::le: return Value::of_bool(cmp <= 0);
                case Op::gt: return Value::of_bool(cmp > 0);
                default: return Value::of_bool(cmp >= 0);
            }
        }
        case Op::in: {
            if (rhs.kind == Kind::range) {
                auto x = to_number(a);
                return Value::of_bool(x && a.type != Type::boolean && *x >= rhs.children[0]->number &&
                                      *x <= rhs.children[1]->number);
            }
            const Value b = eval(rhs, scope);
            if (b.type == Type::string) {
                auto text = to_text(a);
                return Value::of_bool(text && b.string.find(*text) != std::string::npos);
            }
            if (b.type == Type::json && b.json.type() == simdjson::dom::element_type::OBJECT) {
                auto text = to_text(a);
                return Value::of_bool(text && !simdjson::dom::object(b.json).at_key(*text).error());
            }
            for (const auto& item : elements(b)) {
                if (equal(a, item)) return Value::of_bool(true);
            }
            return Value::of_bool(false);
        }
        case Op::contains: {
            const Value b = eval(rhs, scope);
            if (is_array(a)) {
                for (const auto& item : elements(a)) {
                    if (equal(item, b)) return Value::of_bool(true);
                }
                return Value::of_bool(false);
            }
            if (a.type == Type::json) {
                auto key = to_text(b);
                return Value::of_bool(key && !simdjson::dom::object(a.json).at_key(*key).error());
            }
            auto hay = to_text(a);
            auto needle = to_text(b);
            return Value::of_bool(hay && needle && hay->find(*needle) != std::string::npos);
        }
        case Op::matches: {
            // The parser compiles every pattern (only quoted patterns are accepted).
            auto text = to_text(a);
            return Value::of_bool(text && n.regex && n.regex->matches(*text));
        }
        default: return Value::of_bool(false);
    }
}

std::optional<std::string> Program::check(const Scope& scope) const {
    const Node& root = expr_.root();
    const Value v = evaluate(scope);
    if (truthy(v)) return std::nullopt;
    const std::string& src = expr_.source();
    // Name the operand that decided it: the left side of a comparison, or the value itself.
    const Node* subject = &root;
    if (root.kind == Kind::binary && root.op != Op::logical_and && root.op != Op::logical_or) {
        subject = root.children[0].get();
    } else if (root.kind == Kind::binary || root.kind == Kind::unary) {
        // For && / || / !, report the first part that is false.
        for (const auto& c : root.children) {
            if (truthy(eval(*c, scope)) == (root.kind == Kind::unary)) {
                subject = c.get();
                break;
            }
        }
        if (subject != &root && subject->kind == Kind::binary && subject->op != Op::logical_and &&
            subject->op != Op::logical_or) {
            subject = subject->children[0].get();
        }
    }
    if (subject->kind == Kind::call && subject->text == "exists") subject = subject->children[0].get();
    const Value s = eval(*subject, scope);
    if (s.type == Type::missing) return fmt::format("{}: {}", src, s.why);
    if (subject->kind == Kind::path || subject->kind == Kind::call) {
        return fmt::format("{}: {} is {}", src,
                           subject->kind == Kind::path ? subject->text : subject->text + "(" + subject->children[0]->text + ")",
                           describe(s));
    }
    return fmt::format("{}: false", src);
}

}  // namespace noctua::probes::detail
