// The parts of [[probes]] and [providers.auth] beyond the basics: expressions (expect,
// extract, templates), transport options, the tcp/tls/dns/scenario/heartbeat kinds. Syntax
// errors of expressions and templates are reported at the character they occur
// (FILE:LINE:COL). Longer than 600 lines because the keys of every probe kind are parsed here,
// in config, rather than beside each kind in probes/.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "noctua/config/expr.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kHttpRoots[] = {"body", "cert", "header", "headers", "latency",
                                           "phase", "status"};
constexpr std::string_view kTcpRoots[] = {"latency", "phase"};
constexpr std::string_view kTlsRoots[] = {"cert", "latency", "phase"};
constexpr std::string_view kDnsRoots[] = {"answers", "latency", "rcode"};
constexpr std::string_view kStepRoots[] = {"body", "cert",  "env",    "header", "headers",
                                           "latency", "phase", "status", "steps"};
constexpr std::string_view kTemplateRoots[] = {"env", "now", "steps", "uuid"};
constexpr std::string_view kDnsTypes[] = {"A", "AAAA", "CNAME", "MX", "NS", "TXT"};
constexpr std::string_view kRcodes[] = {"FORMERR", "NOERROR", "NOTIMP", "NXDOMAIN", "REFUSED",
                                        "SERVFAIL"};
constexpr std::string_view kDnsKeys[] = {"answers", "name", "rcode", "type"};
constexpr std::string_view kStepKeys[] = {
    "always_run", "attempts", "auth", "body",  "expect",        "extract", "headers",
    "method",     "name",     "path", "until", "poll_interval", "url"};
constexpr std::string_view kMethods[] = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};

constexpr std::string_view kAuthKeys[] = {
    "audience",         "client_id",          "client_id_env", "client_id_file",
    "client_secret",    "client_secret_env",  "client_secret_file", "header",
    "key_env",          "key_file",           "password_env",  "password_file",
    "refresh_before",   "scope",              "style",         "timeout",
    "token_env",        "token_file",         "token_url",     "type",
    "username"};
constexpr std::string_view kAuthTypes[] = {"api_key", "basic", "bearer", "oauth2_client_credentials"};

/// Keys that only some kinds use; any other kind reports them.
struct KindKeys {
    std::string_view key;
    std::initializer_list<std::string_view> kinds;
};
const KindKeys kKindKeys[] = {
    {"path", {"http"}},
    {"url", {"http"}},
    {"method", {"http"}},
    {"headers", {"http"}},
    {"body", {"http"}},
    {"body_file", {"http"}},
    {"query", {"http"}},
    {"expected_status", {"http"}},
    {"follow_redirects", {"http"}},
    {"max_redirects", {"http"}},
    {"max_response_size", {"http", "scenario"}},
    {"proxy", {"http", "scenario"}},
    {"keep_alive", {"http", "scenario"}},
    {"expect", {"http", "tcp", "tls", "dns"}},
    {"extract", {"http"}},
    {"extract_labels", {"http"}},
    {"target", {"tcp", "tls", "dns"}},
    {"dns", {"dns"}},
    {"steps", {"scenario"}},
    {"token_env", {"heartbeat"}},
    {"token_file", {"heartbeat"}},
    {"grace", {"heartbeat"}},
    {"tls_server_name", {"tls"}},
    {"tls_ca_file", {"http", "tls", "scenario"}},
    {"tls_cert_file", {"http", "tls", "scenario"}},
    {"tls_key_file", {"http", "tls", "scenario"}},
    {"tls_insecure", {"http", "tls", "scenario"}},
};

std::span<const std::string_view> roots_for(std::string_view kind) {
    if (kind == "tcp") return kTcpRoots;
    if (kind == "tls") return kTlsRoots;
    if (kind == "dns") return kDnsRoots;
    return kHttpRoots;
}

/// Reports an expression error at the character it is about. Column arithmetic assumes a
/// one-line string; escapes before the error shift it by their length.
void expr_error(const Section& s, const toml::node& node, const std::string& key_path,
                std::size_t offset, const std::string& message) {
    SourcePos pos = position(node.source());
    pos.column += 1 + static_cast<int>(offset);
    s.context().error(pos, key_path, message);
}

/// Names of earlier scenario steps that `steps.<name>` may refer to; null outside scenarios.
using StepNames = std::vector<std::string>;

const expr::Node* bad_step_ref(const expr::Node& n, const StepNames& earlier) {
    if (n.kind == expr::Node::Kind::path && n.path.front().key == "steps") {
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

std::string step_ref_message(const expr::Node& n, const StepNames& earlier) {
    const std::string name = n.path.size() >= 2 && !n.path[1].is_index ? n.path[1].key : "";
    if (earlier.empty()) return fmt::format("{}: no earlier step to refer to", n.text);
    return fmt::format("{}: {} is not an earlier step; earlier steps: {}", n.text,
                       name.empty() ? std::string("steps needs a step name") : quote(name),
                       fmt::join(earlier, ", "));
}

/// Parses and checks one expression string; true when valid.
bool check_expression(const Section& s, const toml::node& node, const std::string& key_path,
                      std::span<const std::string_view> roots, const StepNames* steps) {
    const auto* str = node.as_string();
    if (str == nullptr) {
        s.context().error(position(node.source()), key_path,
                          fmt::format("expected an expression string, got {}", type_name(node.type())));
        return false;
    }
    auto e = expr::parse(str->get());
    if (!e) {
        expr_error(s, node, key_path, e.error().offset, e.error().message);
        return false;
    }
    if (auto r = expr::check_roots(*e, roots); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
    if (auto r = expr::check_functions(*e, expr::kProbeFunctions); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
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
    auto t = expr::parse_template(str->get());
    if (!t) {
        expr_error(s, node, key_path, t.error().offset, t.error().message);
        return false;
    }
    if (auto r = expr::check_roots(*t, kTemplateRoots); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
    if (auto r = expr::check_functions(*t, expr::kProbeFunctions); !r) {
        expr_error(s, node, key_path, r.error().offset, r.error().message);
        return false;
    }
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
                                      type_name(node->type())));
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
        s.error("extract", fmt::format("expected a table such as {{ balance = \"body.balance\" }}, got {}",
                                       type_name(node->type())));
        return;
    }
    const Section sub(*table, s.path_of("extract"), s.context());
    for (auto&& [k, v] : *table) {
        const std::string name(k.str());
        if (!is_label_name(name)) {
            sub.error(name, fmt::format("invalid name {}: must match [a-zA-Z_][a-zA-Z0-9_]*", quote(name)));
            continue;
        }
        if (check_expression(sub, v, sub.path_of(name), roots, steps)) {
            out.push_back({name, std::string(v.as_string()->get())});
        }
    }
}

void read_extract_labels(const Section& s, std::vector<ExtractLabelConfig>& out) {
    const toml::node* node = s.node("extract_labels");
    if (node == nullptr) return;
    const auto* table = node->as_table();
    if (table == nullptr) {
        s.error("extract_labels", "expected a table such as { currency = { from = "
                                  "\"body.currencyCode\", allow = [\"USD\", \"EUR\"] } }");
        return;
    }
    const Section sub(*table, s.path_of("extract_labels"), s.context());
    for (auto&& [k, v] : *table) {
        const std::string name(k.str());
        if (!is_label_name(name) || name == "probe" || name == "provider" || name == "name") {
            sub.error(name, fmt::format("invalid label name {}: must match [a-zA-Z_][a-zA-Z0-9_]* "
                                        "and not be probe, provider or name",
                                        quote(name)));
            continue;
        }
        auto inner = sub.subtable(name);
        if (!inner) continue;
        constexpr std::string_view kKeys[] = {"allow", "from"};
        inner->check_keys(kKeys);
        ExtractLabelConfig label{name, {}, {}};
        if (inner->require("from") &&
            check_expression(*inner, *inner->node("from"), inner->path_of("from"), kHttpRoots, nullptr)) {
            label.expression = inner->node("from")->as_string()->get();
        }
        // Label values must stay bounded: only listed strings become values.
        if (inner->require("allow") && inner->read_string_list("allow", label.allow) &&
            label.allow.empty()) {
            inner->error("allow", "must list at least one value");
        }
        out.push_back(std::move(label));
    }
}

std::string resolve_path(const Section& s, const std::string& given) {
    std::filesystem::path path(given);
    if (path.is_relative() && !s.context().base_dir().empty()) {
        path = (s.context().base_dir() / path).lexically_normal();
    } else if (path.is_relative()) {
        path = std::filesystem::absolute(path).lexically_normal();
    }
    return path.string();
}

/// A readable file given by path; stored absolute so a reload from elsewhere means the same.
void read_file_key(const Section& s, std::string_view key, std::string& out) {
    std::string given;
    if (!s.read_string(key, given)) return;
    if (given.empty()) {
        s.error(key, "file path must not be empty");
        return;
    }
    auto path = resolve_path(s, given);
    if (auto text = read_file(path, kMaxFileBytes); !text) {
        s.error(key, text.error().message);
        return;
    }
    out = std::move(path);
}

std::string percent_encode(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

void read_query(const Section& s, ParsedProbe& probe) {
    std::map<std::string, std::string> query;
    if (!s.read_string_map("query", query, [](std::string_view n) { return !n.empty(); },
                           "a non-empty name")) {
        return;
    }
    std::string encoded;
    for (const auto& [k, v] : query) {
        encoded += encoded.empty() ? "" : "&";
        encoded += percent_encode(k) + "=" + percent_encode(v);
    }
    if (encoded.empty()) return;
    std::string& target = probe.path ? *probe.path : probe.config.url;
    if (target.empty()) return;
    target += (target.find('?') == std::string::npos ? "?" : "&") + encoded;
}

void read_target_address(const Section& s, ProbeConfig& out) {
    if (!s.require("target")) return;
    std::string target;
    if (!s.read_string("target", target)) return;
    auto hp = parse_host_port(target);
    if (!hp || hp->port == 0 || hp->host.empty()) {
        s.error("target", fmt::format("invalid target {}: expected host:port such as "
                                      "\"db.example:5432\" or \"[::1]:853\"",
                                      quote(target)));
        return;
    }
    out.target = std::move(target);
}

void read_dns(const Section& s, ProbeConfig& out) {
    if (!s.require("dns")) return;
    auto d = s.subtable("dns");
    if (!d) return;
    d->check_keys(kDnsKeys);
    DnsCheckConfig dns;
    if (d->require("name")) d->read_string("name", dns.name);
    std::string value;
    if (d->read_string("type", value)) {
        if (std::find(std::begin(kDnsTypes), std::end(kDnsTypes), value) == std::end(kDnsTypes)) {
            d->error("type", unknown_message("record type", "types", value,
                                             {std::begin(kDnsTypes), std::end(kDnsTypes)}, false));
        } else {
            dns.type = value;
        }
    }
    if (d->read_string("rcode", value)) {
        if (std::find(std::begin(kRcodes), std::end(kRcodes), value) == std::end(kRcodes)) {
            d->error("rcode", unknown_message("rcode", "rcodes", value,
                                              {std::begin(kRcodes), std::end(kRcodes)}, false));
        } else {
            dns.rcode = value;
        }
    }
    d->read_string_list("answers", dns.answers);
    out.dns = std::move(dns);
}

ScenarioStepConfig parse_step(const Section& st, StepNames& earlier) {
    ScenarioStepConfig step;
    st.check_keys(kStepKeys);
    if (st.require("name") && st.read_string("name", step.name)) {
        if (!is_label_name(step.name)) {
            st.error("name", fmt::format("invalid step name {}: must match [a-zA-Z_][a-zA-Z0-9_]* "
                                         "(it is used as steps.<name>)",
                                         quote(step.name)));
        } else if (std::find(earlier.begin(), earlier.end(), step.name) != earlier.end()) {
            st.error("name", fmt::format("duplicate step name {}", quote(step.name)));
        }
    }
    std::string method;
    if (st.read_string("method", method)) {
        if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
            st.error("method", unknown_message("method", "methods", method,
                                               {std::begin(kMethods), std::end(kMethods)}, false));
        } else {
            step.method = std::move(method);
        }
    }
    const bool has_path = st.contains("path");
    const bool has_url = st.contains("url");
    if (!has_path && !has_url) {
        st.error("one of path (relative to the provider's base_url) or url is required");
    } else if (has_path && has_url) {
        st.error("url", "set only one of path or url");
    } else {
        const std::string_view key = has_path ? "path" : "url";
        std::string value;
        if (st.read_string(key, value) && check_template(st, *st.node(key), st.path_of(key), earlier)) {
            // The literal parts must make a URL whatever the holes expand to.
            const std::string filled = fill_template_holes(value);
            const auto problem = has_path || value.starts_with("{{") ? path_problem(filled)
                                                                    : http_url_problem(filled);
            if (has_path && !value.starts_with('/')) {
                st.error("path", fmt::format("path {} must start with '/'", quote(value)));
            } else if (problem) {
                st.error(key, *problem);
            } else {
                step.url = std::move(value);
            }
        }
    }
    if (const toml::node* h = st.node("headers")) {
        if (const auto* table = h->as_table()) {
            const Section hs(*table, st.path_of("headers"), st.context());
            for (auto&& [k, v] : *table) {
                const std::string name(k.str());
                if (!is_header_name(name)) {
                    hs.error(name, fmt::format("invalid header name {}", quote(name)));
                } else if (!v.is_string()) {
                    hs.error(name, fmt::format("expected a string, got {}", type_name(v.type())));
                } else if (auto bad = header_value_problem(v.as_string()->get())) {
                    hs.error(name, *bad);
                } else if (check_template(hs, v, hs.path_of(name), earlier)) {
                    step.headers.emplace_back(name, v.as_string()->get());
                }
            }
        } else {
            st.error("headers", "expected a table such as { Accept = \"application/json\" }");
        }
    }
    if (st.read_string("body", step.body)) check_template(st, *st.node("body"), st.path_of("body"), earlier);
    read_expect(st, kStepRoots, &earlier, step.expect);
    read_extract(st, kStepRoots, &earlier, step.extract);
    st.read_bool("always_run", step.always_run);
    st.read_bool("auth", step.auth);
    if (st.contains("until") &&
        check_expression(st, *st.node("until"), st.path_of("until"), kStepRoots, &earlier)) {
        step.until = st.node("until")->as_string()->get();
    }
    st.read_int("attempts", step.attempts, 1, 100);
    st.read_positive_duration("poll_interval", step.poll_interval);
    if (!step.until.empty() && !st.contains("attempts")) step.attempts = 10;
    if (step.until.empty() && st.contains("attempts")) {
        st.error("attempts", "attempts needs until (the condition that ends the polling)");
    }
    if (!step.name.empty()) earlier.push_back(step.name);
    return step;
}

void read_steps(const Section& s, ProbeConfig& out) {
    if (!s.require("steps")) return;
    StepNames earlier;
    for (auto& st : s.table_array("steps")) out.steps.push_back(parse_step(st, earlier));
    if (out.steps.empty() && s.contains("steps")) s.error("steps", "a scenario needs at least one step");
}

}  // namespace

void parse_probe_extras(const Section& s, ParsedProbe& probe, const std::string& kind) {
    ProbeConfig& out = probe.config;
    for (const auto& kk : kKindKeys) {
        if (!s.contains(kk.key)) continue;
        if (std::find(kk.kinds.begin(), kk.kinds.end(), kind) != kk.kinds.end()) continue;
        s.error(kk.key, fmt::format("not used by kind {} (only by {})", quote(kind),
                                    fmt::join(kk.kinds, ", ")));
    }
    const auto roots = roots_for(kind);
    read_expect(s, roots, nullptr, out.expect);
    // With a status assertion and no expected_status, the assertion decides alone.
    if (!s.contains("expected_status") &&
        std::any_of(out.expect.begin(), out.expect.end(), [](const std::string& e) {
            auto parsed = expr::parse(e);
            if (!parsed) return false;
            const auto r = parsed->roots();
            return std::find(r.begin(), r.end(), "status") != r.end();
        })) {
        out.expected_status.clear();
    }
    read_extract(s, roots, nullptr, out.extract);
    read_extract_labels(s, out.extract_labels);
    if (!out.extract_labels.empty() && out.extract.empty()) {
        s.error("extract_labels", "labels only decorate extracted values: add extract");
    }
    s.read_int("max_redirects", out.max_redirects, 0, 50);
    read_file_key(s, "tls_ca_file", out.tls_ca_file);
    read_file_key(s, "tls_cert_file", out.tls_cert_file);
    read_file_key(s, "tls_key_file", out.tls_key_file);
    if (s.contains("tls_key_file") && !s.contains("tls_cert_file")) {
        s.error("tls_key_file", "tls_key_file needs tls_cert_file");
    }
    s.read_string("tls_server_name", out.tls_server_name);
    if (s.contains("ip_version")) {
        int v = 0;
        if (s.read_int("ip_version", v, 4, 6)) {
            if (v == 5) {
                s.error("ip_version", "must be 4 or 6");
            } else {
                out.ip_version = v;
            }
        }
    }
    constexpr std::string_view kProxySchemes[] = {"http", "https", "socks5", "socks5h"};
    if (s.read_string("proxy", out.proxy)) {
        if (auto problem = url_problem(out.proxy, kProxySchemes)) s.error("proxy", *problem);
    }
    s.read_bool("keep_alive", out.keep_alive);
    if (s.contains("body_file")) {
        if (s.contains("body")) {
            s.error("body_file", "set only one of body or body_file");
        } else {
            std::string file;
            read_file_key(s, "body_file", file);
            if (!file.empty()) {
                if (auto text = read_file(file, kMaxFileBytes)) out.body = std::move(*text);
            }
        }
    }
    if (kind == "http") read_query(s, probe);
    if (kind == "tcp" || kind == "tls" || kind == "dns") read_target_address(s, out);
    if (kind == "dns") read_dns(s, out);
    if (kind == "scenario") read_steps(s, out);
    if (kind == "heartbeat") {
        out.heartbeat_token = read_secret(s, "token", false);
        if (!out.heartbeat_token && !s.contains("token_env") && !s.contains("token_file")) {
            s.error("heartbeat probes need token_env or token_file (the token callers send)");
        }
        core::Duration grace{};
        if (s.read_duration("grace", grace)) out.grace = grace;
    }
}

void parse_probing(const Section& s, ProbingConfig& out) {
    constexpr std::string_view kKeys[] = {"history", "max_concurrency"};
    s.check_keys(kKeys);
    s.read_int("max_concurrency", out.max_concurrency, 0, 1'000'000);
    int history = 0;
    if (s.read_int("history", history, 1, 1000)) out.history = static_cast<std::size_t>(history);
}

std::optional<AuthConfig> parse_auth(const Section& provider) {
    auto s = provider.subtable("auth");
    if (!s) return std::nullopt;
    s->check_keys(kAuthKeys);
    AuthConfig auth;
    if (!s->require("type") || !s->read_string("type", auth.type)) return std::nullopt;
    if (std::find(std::begin(kAuthTypes), std::end(kAuthTypes), auth.type) == std::end(kAuthTypes)) {
        s->error("type", unknown_message("auth type", "types", auth.type,
                                         {std::begin(kAuthTypes), std::end(kAuthTypes)}, false));
        return std::nullopt;
    }
    // Keys of one type given to another are mistakes, not options.
    const std::map<std::string_view, std::vector<std::string_view>> keys_of = {
        {"bearer", {"token_env", "token_file"}},
        {"basic", {"username", "password_env", "password_file"}},
        {"api_key", {"header", "key_env", "key_file"}},
        {"oauth2_client_credentials",
         {"token_url", "client_id", "client_id_env", "client_id_file", "client_secret",
          "client_secret_env", "client_secret_file", "audience", "scope", "style",
          "refresh_before", "timeout"}},
    };
    for (const auto& [type, keys] : keys_of) {
        if (type == auth.type) continue;
        for (auto key : keys) {
            const auto& mine = keys_of.at(auth.type);
            if (s->contains(key) && std::find(mine.begin(), mine.end(), key) == mine.end()) {
                s->error(key, fmt::format("not used by auth type {}", quote(auth.type)));
            }
        }
    }
    const auto need = [&](std::optional<Secret> secret, std::string_view base, std::string_view what) {
        if (!secret && !s->contains(std::string(base) + "_env") &&
            !s->contains(std::string(base) + "_file") && !s->contains(base)) {
            s->error(fmt::format("auth type {} needs {} ({}_env or {}_file)", quote(auth.type), what,
                                 base, base));
        }
        return secret;
    };
    if (auth.type == "bearer") {
        auth.token = header_safe(*s, "token", need(read_secret(*s, "token", false), "token", "a token"));
    } else if (auth.type == "basic") {
        if (s->require("username")) s->read_string("username", auth.username);
        auth.password = need(read_secret(*s, "password", false), "password", "a password");
    } else if (auth.type == "api_key") {
        std::string header;
        if (s->read_string("header", header)) {
            if (is_header_name(header)) {
                auth.header = std::move(header);
            } else {
                s->error("header", fmt::format("invalid header name {}", quote(header)));
            }
        }
        auth.key = header_safe(*s, "key", need(read_secret(*s, "key", false), "key", "a key"));
    } else {
        if (s->require("token_url") && s->read_string("token_url", auth.token_url)) {
            if (auto problem = http_url_problem(auth.token_url)) s->error("token_url", *problem);
        }
        auth.client_id = need(read_secret(*s, "client_id", true), "client_id", "a client id");
        auth.client_secret =
            need(read_secret(*s, "client_secret", true), "client_secret", "a client secret");
        s->read_string("audience", auth.audience);
        s->read_string("scope", auth.scope);
        std::string style;
        if (s->read_string("style", style)) {
            if (style != "json" && style != "form") {
                s->error("style", fmt::format("unknown style {}: use \"json\" (Reloadly: JSON body "
                                              "with audience) or \"form\" (RFC 6749)",
                                              quote(style)));
            } else {
                auth.style = std::move(style);
            }
        }
        if (auth.style == "json" && auth.audience.empty() && !s->contains("audience")) {
            // Reloadly requires it; an RFC 6749 server does not know it.
            s->error("style \"json\" (Reloadly) needs audience, the product URL the token is for");
        }
        core::Duration d{};
        if (s->read_duration("refresh_before", d)) auth.refresh_before = d;
        s->read_positive_duration("timeout", auth.timeout);
    }
    return auth;
}

}  // namespace noctua::config::detail
