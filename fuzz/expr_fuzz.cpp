// Fuzz target: the expression parser (expect / extract / until) and `{{ }}` templates.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "noctua/config/expr.hpp"

namespace {

using noctua::config::expr::Node;

/// The height of a parsed tree, walked without recursion; the parser promises it is bounded.
std::size_t height(const Node& root) {
    struct Item {
        const Node* node;
        std::size_t depth;
    };
    std::vector<Item> stack{{&root, 1}};
    std::size_t max = 0;
    while (!stack.empty()) {
        const Item it = stack.back();
        stack.pop_back();
        max = std::max(max, it.depth);
        for (const auto& c : it.node->children) stack.push_back({c.get(), it.depth + 1});
    }
    return max;
}

void check(const noctua::config::expr::Expression& e) {
    if (e.empty()) return;
    // Parentheses add no node, each other level adds at most two (a comparison and its operand).
    if (height(e.root()) > 2 * noctua::config::expr::kMaxDepth + 4) std::abort();
    (void)e.roots();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    namespace expr = noctua::config::expr;
    if (auto e = expr::parse(text)) {
        check(*e);
        if (e->source() != text) std::abort();
    } else if (e.error().offset > text.size()) {
        std::abort();
    }
    if (auto t = expr::parse_template(text)) {
        for (const auto& part : t->parts) check(part.expression);
    } else if (t.error().offset > text.size()) {
        std::abort();
    }
    return 0;
}
