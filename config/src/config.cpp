#include "noctua/config/config.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "parse.hpp"
#include "noctua/config/section.hpp"
#include "text.hpp"

namespace noctua::config {
namespace {

using detail::Parsed;
using detail::ParsedProbe;
using detail::quote;

constexpr std::string_view kRootKeys[] = {"external_url", "logging", "probes",  "providers",
                                          "receivers",    "route",   "rules",   "server",
                                          "storage",      "streams", "windows",
                                          "probing",      "status_tests", "status_reports",
                                          "inhibit",      "time_intervals", "escalations",
                                          "cluster"};

/// Everything parsed from one document, with the Sections kept for cross-reference errors.
struct Draft {
    Config config;
    std::vector<Parsed<ProviderConfig>> providers;
    std::vector<ParsedProbe> probes;
    std::vector<Parsed<RuleConfig>> rules;
    std::vector<Parsed<ReceiverConfig>> receivers;
    std::optional<Section> route;
    std::vector<Parsed<EscalationConfig>> escalations;
    std::vector<Parsed<StreamConfig>> streams;
    std::vector<Parsed<StatusTestConfig>> status_tests;
    std::optional<Section> status_reports;
};

/// Reports every repeated id after its first definition, naming the first one's line.
template <class Item, class IdOf>
void check_unique(const std::vector<Item>& items, std::string_view key, std::string_view noun,
                  IdOf id_of) {
    std::map<std::string, int, std::less<>> first_line;
    for (const auto& item : items) {
        const std::string& id = id_of(item.config);
        if (id.empty()) continue;
        auto [it, inserted] = first_line.emplace(id, item.section.pos_of(key).line);
        if (!inserted) {
            item.section.error(key, fmt::format("duplicate {} {} (first defined at line {})", noun,
                                                quote(id), it->second));
        }
    }
}

template <class Item, class IdOf>
std::vector<std::string> ids(const std::vector<Item>& items, IdOf id_of) {
    std::vector<std::string> out;
    for (const auto& item : items) {
        if (!id_of(item.config).empty()) out.push_back(id_of(item.config));
    }
    return out;
}

/// The providers by id; of a repeated id (reported elsewhere), the first.
std::map<std::string, const ProviderConfig*, std::less<>> first_providers(const Draft& draft) {
    std::map<std::string, const ProviderConfig*, std::less<>> out;
    for (const auto& p : draft.providers) {
        if (!p.config.id.empty()) out.emplace(p.config.id, &p.config);
    }
    return out;
}

void parse_root(const Section& root, Draft& draft, const KindParsers& kinds) {
    root.check_keys(kRootKeys);
    if (auto s = root.subtable("logging")) detail::parse_logging(*s, draft.config.logging);
    if (auto s = root.subtable("server")) detail::parse_server(*s, draft.config.server);

    detail::read_base_url(root, "external_url", draft.config.external_url);
    // Derived default, like probe jitter: links in alerts point at the listen address.
    if (draft.config.external_url.empty()) {
        draft.config.external_url = "http://" + draft.config.server.listen;
    }

    for (auto& s : root.table_array("providers")) {
        draft.providers.push_back({detail::parse_provider(s), s});
    }
    const auto providers = first_providers(draft);
    const auto provider = [&providers](std::string_view id) -> const ProviderConfig* {
        const auto it = providers.find(id);
        return it == providers.end() ? nullptr : it->second;
    };
    for (auto& s : root.table_array("probes")) {
        draft.probes.push_back(detail::parse_probe(s, kinds, provider));
    }
    if (auto s = root.subtable("probing")) detail::parse_probing(*s, draft.config.probing);
    if (auto s = root.subtable("cluster")) detail::parse_cluster(*s, draft.config.cluster);
    for (auto& s : root.table_array("rules")) {
        draft.rules.push_back({detail::parse_rule(s, kinds), s});
    }
    for (auto& s : root.table_array("receivers")) {
        draft.receivers.push_back({detail::parse_receiver(s, kinds), s});
    }
    for (auto& s : root.table_array("inhibit")) {
        draft.config.inhibit.push_back(detail::parse_inhibit(s));
    }
    std::vector<std::string> interval_names;
    for (auto& s : root.table_array("time_intervals")) {
        draft.config.time_intervals.push_back(detail::parse_time_interval(s));
        interval_names.push_back(draft.config.time_intervals.back().name);
    }
    std::vector<std::string> receiver_names;
    for (const auto& r : draft.receivers) receiver_names.push_back(r.config.name);
    std::vector<std::string> escalation_names;
    for (auto& s : root.table_array("escalations")) {
        draft.escalations.push_back({detail::parse_escalation(s, receiver_names), s});
        escalation_names.push_back(draft.escalations.back().config.name);
    }
    draft.route = root.subtable("route");
    if (draft.route) {
        detail::parse_route(*draft.route, draft.config.route, receiver_names, interval_names,
                            escalation_names);
    }
    for (auto& s : root.table_array("streams")) {
        draft.streams.push_back({detail::parse_stream(s, kinds), s});
    }
    if (auto s = root.subtable("windows")) detail::parse_windows(*s, draft.config.windows);
    if (draft.config.windows.sets.empty()) {
        draft.config.windows.sets = detail::default_dimension_sets();
    }
    if (auto s = root.subtable("storage")) detail::parse_storage(*s, draft.config.storage);
    for (auto& s : root.table_array("status_tests")) {
        draft.status_tests.push_back({detail::parse_status_test(s, kinds), s});
    }
    draft.status_reports = root.subtable("status_reports");
    if (draft.status_reports) detail::parse_status_reports(*draft.status_reports, draft.config.status_reports);
    if (draft.config.status_reports.link_base.empty()) {
        draft.config.status_reports.link_base = draft.config.external_url;
    }
    if (draft.config.status_reports.dir.empty() && !draft.config.storage.path.empty()) {
        draft.config.status_reports.dir =
            std::filesystem::path(draft.config.storage.path).parent_path().string();
    }
}

/// A suite's provider exists; its base URL and credentials come from there.
void check_status_test_references(Draft& draft) {
    const auto provider_ids = ids(
        draft.providers, [](const auto& c) -> auto& { return c.id; });
    for (auto& suite : draft.status_tests) {
        const std::string& id = suite.config.provider;
        if (id.empty()) continue;
        const auto it = std::find_if(draft.providers.begin(), draft.providers.end(),
                                     [&](const auto& p) { return p.config.id == id; });
        if (it == draft.providers.end()) {
            suite.section.error("provider", detail::unknown_message("provider", "providers", id,
                                                                    provider_ids, true));
            continue;
        }
        if (it->config.base_url.empty()) {
            suite.section.error("provider", fmt::format("provider {} has no base_url", quote(id)));
        }
        suite.config.provider_name = it->config.name;
        suite.config.base_url = it->config.base_url;
        suite.config.auth = it->config.auth;
    }
}

/// Every name in the list `key` of `s` (read into `names`) is a [[receivers]] entry; an unknown
/// one is reported at its element.
void check_receiver_list(const Section& s, std::string_view key, const std::vector<std::string>& names,
                         const std::vector<std::string>& receivers) {
    const toml::node* node = s.node(key);
    if (node == nullptr || node->as_array() == nullptr) return;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (std::find(receivers.begin(), receivers.end(), names[i]) != receivers.end()) continue;
        const toml::node* element = node->as_array()->get(i);
        s.context().error(element != nullptr ? position(element->source()) : s.pos_of(key),
                          fmt::format("{}[{}]", s.path_of(key), i),
                          detail::unknown_message("receiver", "receivers", names[i], receivers, true));
    }
}

/// The receivers status reports are posted to exist.
void check_status_report_receivers(const Draft& draft) {
    const auto receivers = ids(
        draft.receivers, [](const auto& c) -> auto& { return c.name; });
    if (draft.status_reports) {
        check_receiver_list(*draft.status_reports, "receivers", draft.config.status_reports.receivers, receivers);
    }
    for (const auto& suite : draft.status_tests) {
        check_receiver_list(suite.section, "notify", suite.config.notify, receivers);
    }
}

void check_probe_references(Draft& draft) {
    const auto providers = first_providers(draft);
    const auto provider_ids = ids(
        draft.providers, [](const auto& c) -> auto& { return c.id; });
    for (auto& probe : draft.probes) {
        const std::string& id = probe.config.provider;
        if (id.empty()) continue;
        const auto it = providers.find(id);
        if (it == providers.end()) {
            probe.section.error("provider", detail::unknown_message("provider", "providers", id,
                                                                    provider_ids, true));
            continue;
        }
        probe.config.auth = it->second->auth;
    }
}

void check_rule_references(const Draft& draft) {
    const auto probe_ids = ids(
        draft.probes, [](const auto& c) -> auto& { return c.id; });
    const std::set<std::string, std::less<>> known(probe_ids.begin(), probe_ids.end());
    for (const auto& rule : draft.rules) {
        const auto& refs = rule.config.probes;
        const toml::node* node = rule.section.node("probes");
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (known.contains(refs[i])) continue;
            // refs was read from this array, so element i exists.
            const toml::node& element = *node->as_array()->get(i);
            rule.section.context().error(
                position(element.source()),
                fmt::format("{}[{}]", rule.section.path_of("probes"), i),
                detail::unknown_message("probe", "probes", refs[i], probe_ids, true));
        }
    }
}

// Names inside the tree are checked as it is parsed (route_section.cpp).
void check_route(const Section& root, const Draft& draft) {
    if (!draft.route) {
        if (!draft.receivers.empty()) {
            root.context().error(draft.receivers.front().section.pos(), "route",
                                 "missing required table [route]: receivers are defined, so "
                                 "route.receiver must name the one alerts go to");
        }
    }
}

/// At most one `kind = "http"` stream: it owns POST /api/v1/events.
void check_streams(const Draft& draft) {
    bool http_seen = false;
    for (const auto& st : draft.streams) {
        if (st.config.kind != "http") continue;
        if (http_seen) {
            st.section.error("kind", "only one stream may have kind \"http\" (it owns POST "
                                     "/api/v1/events)");
        }
        http_seen = true;
    }
}

/// The error for text that is not UTF-8, at the first bad byte. toml++ would report it one
/// character early; columns count characters, as toml++'s do.
std::optional<ConfigError> utf8_error(std::string_view text, const std::string& file) {
    const auto bad = detail::first_invalid_utf8(text);
    if (!bad) return std::nullopt;
    const auto newline = *bad == 0 ? std::string_view::npos : text.rfind('\n', *bad - 1);
    const std::size_t from = newline == std::string_view::npos ? 0 : newline + 1;
    const auto before = text.substr(from, *bad - from);
    // The text before the bad byte is valid UTF-8: count every byte that starts a character.
    const auto column = 1 + std::count_if(before.begin(), before.end(), [](char c) {
                             return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
                         });
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(from),
                                     '\n');
    return ConfigError{file, SourcePos{static_cast<int>(line), static_cast<int>(column)}, "",
                       fmt::format("invalid UTF-8: byte 0x{:02x} (byte offset {}) does not begin "
                                   "a valid sequence; the file must be UTF-8",
                                   static_cast<unsigned char>(text[*bad]), *bad)};
}

LoadResult load_text(std::string_view text, std::string file, std::filesystem::path base_dir,
                     const KindParsers& kinds) {
    if (auto e = utf8_error(text, file)) return std::unexpected(std::vector<ConfigError>{*e});
    auto document = parse_toml(text, file);
    if (!document) return std::unexpected(std::move(document.error()));

    LoadContext ctx(file, std::move(base_dir));
    const Section root(*document, "", ctx);
    Draft draft;
    draft.config.path = file;
    parse_root(root, draft, kinds);

    const auto id = [](const auto& c) -> auto& { return c.id; };
    const auto name = [](const auto& c) -> auto& { return c.name; };
    check_unique(draft.providers, "id", "provider id", id);
    check_unique(draft.probes, "id", "probe id", id);
    check_unique(draft.rules, "name", "rule name", name);
    check_unique(draft.receivers, "name", "receiver name", name);
    check_unique(draft.escalations, "name", "escalation name", name);
    check_unique(draft.streams, "id", "stream id", id);
    check_unique(draft.status_tests, "id", "status test id", id);
    check_streams(draft);
    check_status_test_references(draft);
    check_status_report_receivers(draft);
    check_probe_references(draft);
    check_rule_references(draft);
    check_route(root, draft);
    {
        std::vector<std::string> intervals;
        for (const auto& ti : draft.config.time_intervals) intervals.push_back(ti.name);
        for (const auto& p : draft.providers) {
            detail::check_maintenance_references(p.section, p.config, intervals);
        }
    }

    if (ctx.has_errors()) return std::unexpected(ctx.take_errors());

    Config& config = draft.config;
    for (auto& p : draft.providers) config.providers.push_back(std::move(p.config));
    for (auto& p : draft.probes) config.probes.push_back(std::move(p.config));
    for (auto& r : draft.rules) config.rules.push_back(std::move(r.config));
    for (auto& r : draft.receivers) config.receivers.push_back(std::move(r.config));
    for (auto& e : draft.escalations) config.escalations.push_back(std::move(e.config));
    for (auto& st : draft.streams) config.streams.push_back(std::move(st.config));
    for (auto& st : draft.status_tests) config.status_tests.push_back(std::move(st.config));
    return std::move(config);
}

}  // namespace

std::string ConfigError::to_string() const {
    std::string out = file;
    if (pos.line > 0) out += fmt::format(":{}:{}", pos.line, pos.column);
    out += ": ";
    if (!key_path.empty()) {
        out += key_path;
        out += ": ";
    }
    out += message;
    return out;
}

const ProviderConfig* Config::find_provider(std::string_view id) const {
    const auto it = std::find_if(providers.begin(), providers.end(),
                                 [&](const ProviderConfig& p) { return p.id == id; });
    return it == providers.end() ? nullptr : &*it;
}

const ReceiverConfig* Config::find_receiver(std::string_view name) const {
    const auto it = std::find_if(receivers.begin(), receivers.end(),
                                 [&](const ReceiverConfig& r) { return r.name == name; });
    return it == receivers.end() ? nullptr : &*it;
}

LoadResult load_string(std::string_view toml, std::string_view file, const KindParsers& kinds) {
    return load_text(toml, std::string(file), {}, kinds);
}

LoadResult load_file(const std::filesystem::path& path, const KindParsers& kinds) {
    auto text = detail::read_file(path, kMaxFileBytes);
    if (!text) {
        return std::unexpected(
            std::vector<ConfigError>{ConfigError{path.string(), {}, "", text.error().message}});
    }
    return load_text(*text, path.string(), path.parent_path(), kinds);
}

std::string summary(const Config& config) {
    using detail::count_noun;
    auto out = fmt::format("config OK: {}, {}, {}, {}",
                           count_noun(config.providers.size(), "provider", "providers"),
                           count_noun(config.probes.size(), "probe", "probes"),
                           count_noun(config.rules.size(), "rule", "rules"),
                           count_noun(config.receivers.size(), "receiver", "receivers"));
    if (config.cluster.shard.sharded()) out += ", shard " + config.cluster.shard.to_string();
    return out;
}

}  // namespace noctua::config
