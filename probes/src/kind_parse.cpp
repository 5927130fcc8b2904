// The keys several probe kinds share, read from their `[[probes]]` entry: expressions and
// templates (syntax errors reported at the character they occur, FILE:LINE:COL), extraction,
// target, TLS and transport options.
#include "kind_parse.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "noctua/config/expr.hpp"

namespace noctua::probes::detail {
namespace {

using config::Section;

constexpr std::string_view kTemplateRoots[] = {"env", "now", "steps", "uuid"};

/// Reports an expression error at the character it is about. Column arithmetic assumes a
/// one-line string; escapes before the error shift it by their length.
void expr_error(const Section& s, const toml::node& node, const std::string& key_path,
                std::size_t offset, const std::string& message) {
    config::SourcePos pos = config::position(node.source());
    pos.column += 1 + static_cast<int>(offset);
    s.context().error(pos, key_path, message);
}

const config::expr::Node* bad_step_ref(const config::expr::Node& n, const StepNames& earlier) {
    if (n.kind == config::expr::Node::Kind::path && n.path.front().key == "steps") {
        if (n.path.size() < 2 || n.path[1].is_index ||
            std::find(earlier.begin(), earlier.end(), n.path[1].key) == earlier.end()) {
            return &n;
        }
    }
    for (const auto& c : n.children) {
        if (const auto* bad = bad_step_ref(*c, earlier)) return bad;
    }
    return nullptr;
}

std::string step_ref_message(const config::expr::Node& n, const StepNames& earlier) {
    const std::string name = n.path.size() >= 2 && !n.path[1].is_index ? n.path[1].key : "";
    if (earlier.empty()) return fmt::format("{}: no earlier step to refer to", n.text);
    return fmt::format("{}: {} is not an earlier step; earlier steps: {}", n.text,
                       name.empty() ? std::string("steps needs a step name") : config::quoted(name),
                       fmt::join(earlier, ", "));
}

/// Checks the roots (among `roots`) and functions of a parsed expression or template,
/// reporting the first problem at its character; true when both hold.
template <class Parsed>
bool check_names(const Section& s, const toml::node& node, const std::string& key_path,
                 const Parsed& parsed, std::span<const std::string_view> roots) {
    if (auto r = config::expr::check_roots(parsed, roots); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
    if (auto r = config::expr::check_functions(parsed, config::expr::kProbeFunctions); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
    return true;
}

}  // namespace

bool check_expression(const Section& s, const toml::node& node, const std::string& key_path,
                      std::span<const std::string_view> roots, const StepNames* steps) {
    const auto* str = node.as_string();
    if (str == nullptr) {
        s.context().error(
            config::position(node.source()), key_path,
            fmt::format("expected an expression string, got {}", config::type_name(node.type())));
        return false;
    }
    auto e = config::expr::parse(str->get());
    if (!e) {
        expr_error(s, node, key_path, e.error().offset, e.error().message);
        return false;
    }
    if (!check_names(s, node, key_path, *e, roots)) return false;
    if (steps != nullptr) {
        if (const auto* bad = bad_step_ref(e->root(), *steps)) {
            expr_error(s, node, key_path, bad->offset, step_ref_message(*bad, *steps));
            return false;
        }
    }
    return true;
}

bool check_template(const Section& s, const toml::node& node, const std::string& key_path,
                    const StepNames& steps) {
    const auto* str = node.as_string();
    if (str == nullptr) return false;
    auto t = config::expr::parse_template(str->get());
    if (!t) {
        expr_error(s, node, key_path, t.error().offset, t.error().message);
        return false;
    }
    if (!check_names(s, node, key_path, *t, kTemplateRoots)) return false;
    for (const auto& part : t->parts) {
        if (part.expression.empty()) continue;
        if (const auto* bad = bad_step_ref(part.expression.root(), steps)) {
            expr_error(s, node, key_path, part.offset + bad->offset, step_ref_message(*bad, steps));
            return false;
        }
    }
    return true;
}

void read_expect(const Section& s, std::span<const std::string_view> roots, const StepNames* steps,
                 std::vector<std::string>& out) {
    const toml::node* node = s.node("expect");
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
        s.error("expect", fmt::format("expected an array of expression strings such as "
                                      "[\"status == 200\"], got {}",
                                      config::type_name(node->type())));
        return;
    }
    std::vector<std::string> result;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const auto path = fmt::format("{}[{}]", s.path_of("expect"), i);
        if (!check_expression(s, element, path, roots, steps)) {
            ok = false;
            continue;
        }
        result.emplace_back(element.as_string()->get());
    }
    if (ok) out = std::move(result);
}

void read_extract(const Section& s, std::span<const std::string_view> roots, const StepNames* steps,
                  std::vector<ExtractConfig>& out) {
    const toml::node* node = s.node("extract");
    if (node == nullptr) return;
    const auto* table = node->as_table();
    if (table == nullptr) {
        s.error("extract",
                fmt::format("expected a table such as {{ balance = \"body.balance\" }}, got {}",
                            config::type_name(node->type())));
        return;
    }
    const Section sub(*table, s.path_of("extract"), s.context());
    for (auto&& [k, v] : *table) {
        const std::string name(k.str());
        if (!config::is_label_name(name)) {
            sub.error(name, fmt::format("invalid name {}: must match [a-zA-Z_][a-zA-Z0-9_]*",
                                        config::quoted(name)));
            continue;
        }
        if (check_expression(sub, v, sub.path_of(name), roots, steps)) {
            out.push_back({name, std::string(v.as_string()->get())});
        }
    }
}

void read_method(const Section& s, std::string& out) {
    config::read_choice(s, "method", "method", "methods", kMethods, out);
}

void read_target(const Section& s, std::string& out) {
    if (!s.require("target")) return;
    std::string target;
    if (!s.read_string("target", target)) return;
    if (!config::is_host_port(target)) {
        s.error("target", fmt::format("invalid target {}: expected host:port such as "
                                      "\"db.example:5432\" or \"[::1]:853\"",
                                      config::quoted(target)));
        return;
    }
    out = std::move(target);
}

void read_ip_version(const Section& s, int& out) {
    int v = 0;
    if (!s.read_int("ip_version", v, 4, 6)) return;
    if (v == 5) {
        s.error("ip_version", "must be 4 or 6");
    } else {
        out = v;
    }
}

void read_tls_client(const Section& s, TlsClientOptions& out) {
    s.read_bool("tls_insecure", out.insecure);
    config::read_file_path(s, "tls_ca_file", out.ca_file);
    config::read_file_path(s, "tls_cert_file", out.cert_file);
    config::read_file_path(s, "tls_key_file", out.key_file);
    if (s.contains("tls_key_file") && !s.contains("tls_cert_file")) {
        s.error("tls_key_file", "tls_key_file needs tls_cert_file");
    }
}

void read_transport(const Section& s, HttpTransport& out) {
    std::size_t max_size = 0;
    if (s.read_size("max_response_size", max_size)) {
        if (max_size == 0) {
            s.error("max_response_size", "must be greater than 0");
        } else {
            out.max_response_bytes = max_size;
        }
    }
    s.read_bool("follow_redirects", out.follow_redirects);
    s.read_int("max_redirects", out.max_redirects, 0, 50);
    read_tls_client(s, out.tls);
    read_ip_version(s, out.ip_version);
    constexpr std::string_view kProxySchemes[] = {"http", "https", "socks5", "socks5h"};
    if (s.read_string("proxy", out.proxy)) {
        if (auto problem = config::url_problem(out.proxy, kProxySchemes)) {
            s.error("proxy", *problem);
        }
    }
    s.read_bool("keep_alive", out.keep_alive);
}

}  // namespace noctua::probes::detail
