// The `http` probe kind: one (authenticated) request, judged by transport outcome, expected
// status, `expect` assertions, then `extract`.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "exchange.hpp"
#include "kind_parse.hpp"
#include "noctua/config/expr.hpp"
#include "noctua/probes/kinds/http.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes {
namespace {

using config::Section;

constexpr std::string_view kKeys[] = {"body",
                                      "body_file",
                                      "expect",
                                      "expected_status",
                                      "extract",
                                      "extract_labels",
                                      "follow_redirects",
                                      "headers",
                                      "ip_version",
                                      "keep_alive",
                                      "max_redirects",
                                      "max_response_size",
                                      "method",
                                      "path",
                                      "proxy",
                                      "query",
                                      "tls_ca_file",
                                      "tls_cert_file",
                                      "tls_insecure",
                                      "tls_key_file",
                                      "url"};
constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr std::string_view kStatusForms =
    "expected a status code such as 200, a class such as \"2xx\" or a range such as "
    "\"200-299\"";

std::optional<int> parse_code(std::string_view text) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return n;
}

core::Result<StatusRange> check_range(StatusRange range, std::string_view shown) {
    for (int code : {range.low, range.high}) {
        if (code < kMinStatus || code > kMaxStatus) {
            return core::fail(
                core::Errc::invalid_argument,
                fmt::format("status {} is not between {} and {}", code, kMinStatus, kMaxStatus));
        }
    }
    if (range.low > range.high) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("invalid status range {}: the lower code must come first",
                                      config::quoted(shown)));
    }
    return range;
}

/// 200, "204", "2xx" or "200-299".
core::Result<StatusRange> status_range(const toml::node& node) {
    if (const auto* i = node.as_integer()) {
        const auto v = i->get();
        if (v < kMinStatus || v > kMaxStatus) {
            return core::fail(
                core::Errc::invalid_argument,
                fmt::format("status {} is not between {} and {}", v, kMinStatus, kMaxStatus));
        }
        return StatusRange{static_cast<int>(v), static_cast<int>(v)};
    }
    const auto* s = node.as_string();
    if (s == nullptr) {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("{}, got {}", kStatusForms, config::type_name(node.type())));
    }
    const std::string_view text = s->get();
    const auto invalid = [&] {
        return core::fail(core::Errc::invalid_argument,
                          fmt::format("invalid status {}: {}", config::quoted(text), kStatusForms));
    };
    if (text.size() == 3 && text.substr(1) == "xx") {
        const auto digit = parse_code(text.substr(0, 1));
        if (!digit) return invalid();
        return check_range(StatusRange{*digit * 100, *digit * 100 + 99}, text);
    }
    if (const auto dash = text.find('-'); dash != std::string_view::npos) {
        const auto low = parse_code(text.substr(0, dash));
        const auto high = parse_code(text.substr(dash + 1));
        if (!low || !high) return invalid();
        return check_range(StatusRange{*low, *high}, text);
    }
    const auto code = parse_code(text);
    if (!code) return invalid();
    return check_range(StatusRange{*code, *code}, text);
}

void read_expected_status(const Section& s, std::vector<StatusRange>& out) {
    const toml::node* node = s.node("expected_status");
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
        auto range = status_range(*node);
        if (!range) {
            s.error("expected_status", range.error().message);
            return;
        }
        out = {*range};
        return;
    }
    if (array->empty()) {
        s.error("expected_status", "must not be empty");
        return;
    }
    std::vector<StatusRange> ranges;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        auto range = status_range(element);
        if (!range) {
            s.context().error(config::position(element.source()),
                              fmt::format("{}[{}]", s.path_of("expected_status"), i),
                              range.error().message);
            continue;
        }
        ranges.push_back(*range);
    }
    if (ranges.size() == array->size()) out = std::move(ranges);
}

/// `path` (relative to the provider's base_url, returned) or `url` (into `out.url`).
std::optional<std::string> read_url(const Section& s, HttpOptions& out) {
    const bool has_path = s.contains("path");
    const bool has_url = s.contains("url");
    if (!has_path && !has_url) {
        s.error("one of path (relative to the provider's base_url) or url is required");
        return std::nullopt;
    }
    if (has_path && has_url) {
        s.error("url", "set only one of path or url");
        return std::nullopt;
    }
    std::string value;
    if (has_path) {
        if (!s.read_string("path", value)) return std::nullopt;
        if (!value.starts_with('/')) {
            s.error("path", fmt::format("path {} must start with '/'", config::quoted(value)));
            return std::nullopt;
        }
        if (auto problem = config::path_problem(value)) {
            s.error("path", std::move(*problem));
            return std::nullopt;
        }
        return value;
    }
    if (!s.read_string("url", value)) return std::nullopt;
    if (auto problem = config::http_url_problem(value)) {
        s.error("url", std::move(*problem));
        return std::nullopt;
    }
    out.url = std::move(value);
    return std::nullopt;
}

void read_headers(const Section& s, HttpOptions& out) {
    std::map<std::string, std::string> headers;
    if (!s.read_string_map("headers", headers, &config::is_header_name, "HTTP token characters")) {
        return;
    }
    const Section hs(*s.node("headers")->as_table(), s.path_of("headers"), s.context());
    bool ok = true;
    for (const auto& [name, value] : headers) {
        if (auto problem = config::header_value_problem(value)) {
            hs.error(name, std::move(*problem));
            ok = false;
        }
    }
    if (ok) out.headers.assign(headers.begin(), headers.end());
}

void read_body(const Section& s, HttpOptions& out) {
    s.read_string("body", out.body);
    if (!s.contains("body_file")) return;
    if (s.contains("body")) {
        s.error("body_file", "set only one of body or body_file");
        return;
    }
    std::string file;
    config::read_file_path(s, "body_file", file);
    if (file.empty()) return;
    if (auto text = config::read_text_file(file)) out.body = std::move(*text);
}

void read_extract_labels(const Section& s, std::vector<ExtractLabelConfig>& out) {
    const toml::node* node = s.node("extract_labels");
    if (node == nullptr) return;
    const auto* table = node->as_table();
    if (table == nullptr) {
        s.error("extract_labels",
                "expected a table such as { currency = { from = "
                "\"body.currencyCode\", allow = [\"USD\", \"EUR\"] } }");
        return;
    }
    const Section sub(*table, s.path_of("extract_labels"), s.context());
    for (auto&& [k, v] : *table) {
        const std::string name(k.str());
        if (!config::is_label_name(name) || name == "probe" || name == "provider" ||
            name == "name") {
            sub.error(name, fmt::format("invalid label name {}: must match [a-zA-Z_][a-zA-Z0-9_]* "
                                        "and not be probe, provider or name",
                                        config::quoted(name)));
            continue;
        }
        auto inner = sub.subtable(name);
        if (!inner) continue;
        constexpr std::string_view kLabelKeys[] = {"allow", "from"};
        inner->check_keys(kLabelKeys);
        ExtractLabelConfig label{name, {}, {}};
        if (inner->require("from") &&
            detail::check_expression(*inner, *inner->node("from"), inner->path_of("from"),
                                     detail::kHttpRoots, nullptr)) {
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

/// `query`, percent-encoded and appended to `target` (the path or the url) when it is set.
void read_query(const Section& s, std::string& target) {
    std::map<std::string, std::string> query;
    if (!s.read_string_map(
            "query", query, [](std::string_view n) { return !n.empty(); }, "a non-empty name")) {
        return;
    }
    std::string encoded;
    for (const auto& [k, v] : query) {
        encoded += encoded.empty() ? "" : "&";
        encoded += core::percent_encode(k, false) + "=" + core::percent_encode(v, false);
    }
    if (encoded.empty() || target.empty()) return;
    target += (target.find('?') == std::string::npos ? "?" : "&") + encoded;
}

HttpOptions parse_http(const Section& s, const config::ProbeConfig& common,
                       const config::ProviderConfig* provider) {
    HttpOptions out;
    auto path = read_url(s, out);
    detail::read_method(s, out.method);
    read_headers(s, out);
    read_body(s, out);
    read_expected_status(s, out.expected_status);
    detail::read_expect(s, detail::kHttpRoots, nullptr, out.expect);
    // With a status assertion and no expected_status, the assertion decides alone.
    if (!s.contains("expected_status") &&
        std::any_of(out.expect.begin(), out.expect.end(), [](const std::string& e) {
            auto parsed = config::expr::parse(e);
            if (!parsed) return false;
            const auto r = parsed->roots();
            return std::find(r.begin(), r.end(), "status") != r.end();
        })) {
        out.expected_status.clear();
    }
    detail::read_extract(s, detail::kHttpRoots, nullptr, out.extract);
    read_extract_labels(s, out.extract_labels);
    if (!out.extract_labels.empty() && out.extract.empty()) {
        s.error("extract_labels", "labels only decorate extracted values: add extract");
    }
    detail::read_transport(s, out.transport);
    read_query(s, path ? *path : out.url);
    if (path && provider != nullptr) {
        if (provider->base_url.empty()) {
            s.error("path", fmt::format("provider {} has no base_url: set it, or give this probe "
                                        "a full url",
                                        config::quoted(common.provider)));
        } else {
            out.url = provider->base_url + *path;
        }
    }
    return out;
}

class HttpProbe final : public Probe {
public:
    HttpProbe(config::ProbeConfig c, ProbeContext& ctx, detail::Checks checks)
        : config_(std::move(c)),
          options_(config_.options.get<HttpOptions>()),
          ctx_(ctx),
          checks_(std::move(checks)) {}

    // Probe
    const config::ProbeConfig& config() const override { return config_; }

    void async_run(Done done) override {
        core::HttpRequest req = detail::base_request(config_, options_.transport);
        req.method = options_.method;
        req.url = options_.url;
        req.headers = options_.headers;
        req.body = options_.body;
        const auto started = ctx_.clock.now();
        const auto mono_start = std::chrono::steady_clock::now();
        detail::async_exchange(
            ctx_, config_, std::move(req), true,
            [this, started, mono_start, done = std::move(done)](detail::Exchanged x) {
                ProbeResult res;
                res.probe = config_.id;
                res.provider = config_.provider;
                res.started = started;
                res.duration = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - mono_start);
                detail::judge(x, config_, options_.expected_status, checks_, ctx_.clock.now(), res);
                done(std::move(res));
            });
    }

private:
    config::ProbeConfig config_;
    const HttpOptions& options_;  // held by config_.options
    ProbeContext ctx_;
    detail::Checks checks_;
};

class HttpProbeFactory final : public ProbeFactory {
public:
    // ProbeFactory
    std::string_view kind() const override { return "http"; }
    std::span<const std::string_view> keys() const override { return kKeys; }
    config::KindOptions parse(const Section& s, const config::ProbeConfig& common,
                              const config::ProviderConfig* provider) const override {
        return config::KindOptions::of(parse_http(s, common, provider));
    }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c,
                                                ProbeContext& ctx) const override {
        const auto& o = c.options.get<HttpOptions>();
        auto checks = detail::Checks::compile(o.expect, o.extract, o.extract_labels);
        if (!checks) return std::unexpected(checks.error());
        return std::make_unique<HttpProbe>(std::move(c), ctx, std::move(*checks));
    }
};

}  // namespace

std::unique_ptr<ProbeFactory> make_http_factory() { return std::make_unique<HttpProbeFactory>(); }

}  // namespace noctua::probes
