// The `{{ }}` templates of a rule's `labels` and `annotations`, checked at load time with the
// position of the offending character. Rendering happens when the alert fires
// (alerts/template.hpp); what passes here renders without surprises.
#include <algorithm>

#include <fmt/format.h>

#include "noctua/config/expr.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

using Kind = expr::Node::Kind;

// A label is part of the alert's identity: it may only depend on the other labels, or the
// firing alert and its resolve would be two different alerts.
constexpr std::string_view kLabelRoots[] = {"$labels", ".Labels"};
constexpr std::string_view kAnnotationRoots[] = {"$labels", "$value",  ".Annotations",
                                                 ".Labels", ".Value", ".Values"};

/// Path segments each root takes after itself: `.Value` none, `.Labels.provider` one name.
std::size_t segments_after(std::string_view root) {
    return root == "$value" || root == ".Value" ? 0 : 1;
}

/// The first node a rule template cannot render, with the reason.
std::optional<expr::SyntaxError> unsupported(const expr::Node& n) {
    switch (n.kind) {
        case Kind::string:
        case Kind::number: return std::nullopt;
        case Kind::path: {
            const auto& root = n.path.front().key;
            const std::size_t after = segments_after(root);
            const bool named = std::all_of(n.path.begin() + 1, n.path.end(),
                                           [](const expr::PathSegment& p) { return !p.is_index; });
            if (n.path.size() != after + 1 || !named) {
                return expr::SyntaxError{
                    n.offset, after == 0 ? fmt::format("{} takes no field: write {}", root, root)
                                         : fmt::format("{} needs one name, such as {}.provider",
                                                       root, root)};
            }
            return std::nullopt;
        }
        case Kind::call: return unsupported(*n.children.front());
        default:
            return expr::SyntaxError{
                n.offset, "a template shows one value: a path such as .Labels.provider or "
                          ".Value, a quoted string or a number, optionally piped to a function "
                          "(| humanize)"};
    }
}

/// Reports an error at `offset` characters into the string value `node`.
void error_at(const Section& s, const toml::node& node, const std::string& key_path,
              std::size_t offset, const std::string& message) {
    SourcePos pos = position(node.source());
    pos.column += 1 + static_cast<int>(offset);
    s.context().error(pos, key_path, message);
}

void check_table(const Section& rule, std::string_view key,
                 std::span<const std::string_view> roots) {
    const toml::node* table_node = rule.node(key);
    const toml::table* table = table_node != nullptr ? table_node->as_table() : nullptr;
    if (table == nullptr) return;
    for (auto&& [k, v] : *table) {
        const auto* str = v.as_string();
        if (str == nullptr) continue;  // reported by the reader
        const std::string key_path = rule.path_of(key) + "." + std::string(k.str());
        auto t = expr::parse_template(str->get());
        if (!t) {
            error_at(rule, v, key_path, t.error().offset, t.error().message);
            continue;
        }
        if (auto r = expr::check_roots(*t, roots); !r) {
            std::string message = r.error().message;
            if (key == "labels") {
                message += " (a label is part of the alert's identity, so it may use only the "
                           "other labels; show values in an annotation)";
            }
            error_at(rule, v, key_path, r.error().offset, message);
            continue;
        }
        if (auto r = expr::check_functions(*t, expr::kAlertFunctions); !r) {
            error_at(rule, v, key_path, r.error().offset, r.error().message);
            continue;
        }
        for (const auto& part : t->parts) {
            if (part.expression.empty()) continue;
            if (auto bad = unsupported(part.expression.root())) {
                error_at(rule, v, key_path, part.offset + bad->offset, bad->message);
                break;
            }
        }
    }
}

}  // namespace

void check_rule_templates(const Section& rule) {
    check_table(rule, "labels", kLabelRoots);
    check_table(rule, "annotations", kAnnotationRoots);
}

}  // namespace noctua::config::detail
