// Templates: text with `{{ expression }}` holes, parsed and checked hole by hole, with every
// error offset into the template's text.
#include <algorithm>

#include "noctua/config/expr.hpp"

namespace noctua::config::expr {
namespace {

using Unexpected = std::unexpected<SyntaxError>;

/// `check` of each expression of `t`, its error offset made relative to the template.
template <class Check>
std::expected<void, SyntaxError> check_parts(const Template& t, Check check) {
    for (const auto& part : t.parts) {
        if (part.expression.empty()) continue;
        if (auto r = check(part.expression); !r) {
            return Unexpected(SyntaxError{part.offset + r.error().offset, r.error().message});
        }
    }
    return {};
}

}  // namespace

bool Template::has_holes() const {
    return std::any_of(parts.begin(), parts.end(),
                       [](const Part& p) { return !p.expression.empty(); });
}

std::expected<Template, SyntaxError> parse_template(std::string_view text) {
    Template t;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            t.parts.push_back({std::string(text.substr(pos)), {}, pos});
            break;
        }
        if (open > pos) t.parts.push_back({std::string(text.substr(pos, open - pos)), {}, pos});
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            return Unexpected(SyntaxError{open, "unclosed {{: expected }}"});
        }
        auto inner = text.substr(open + 2, close - open - 2);
        const auto first = inner.find_first_not_of(" \t");
        if (first == std::string_view::npos) {
            return Unexpected(SyntaxError{open, "empty {{ }}"});
        }
        inner = inner.substr(first, inner.find_last_not_of(" \t") - first + 1);
        const std::size_t at = open + 2 + first;
        auto e = parse(inner);
        if (!e) return Unexpected(SyntaxError{at + e.error().offset, e.error().message});
        t.parts.push_back({{}, std::move(*e), at});
        pos = close + 2;
    }
    return t;
}

std::expected<void, SyntaxError> check_roots(const Template& t,
                                             std::span<const std::string_view> allowed) {
    return check_parts(t, [&](const Expression& e) { return check_roots(e, allowed); });
}

std::expected<void, SyntaxError> check_functions(const Template& t,
                                                 std::span<const std::string_view> allowed) {
    return check_parts(t, [&](const Expression& e) { return check_functions(e, allowed); });
}

}  // namespace noctua::config::expr
