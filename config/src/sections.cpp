#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();

constexpr std::string_view kLoggingKeys[] = {"format", "level"};
constexpr std::string_view kLogLevels[] = {"critical", "debug", "error", "info",
                                           "off",      "trace", "warn"};
constexpr std::string_view kLogFormats[] = {"json", "text"};

constexpr std::string_view kServerKeys[] = {"admin_token_env", "admin_token_file",
                                            "body_limit",      "listen",
                                            "read_timeout",    "shutdown_timeout"};

constexpr std::string_view kProviderKeys[] = {"auth",        "base_url",        "id", "labels",
                                              "maintenance", "max_concurrency", "name"};

}  // namespace

bool one_of(std::string_view value, std::span<const std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool read_choice(const Section& s, std::string_view key, std::string_view noun,
                 std::string_view plural, std::span<const std::string_view> allowed,
                 std::string& out) {
    return s.read_choice(key, noun, plural, allowed, out);
}

bool read_kind(const Section& s, const KindFamily& family, std::string& out) {
    return read_choice(s, "kind", family.what, "kinds", family.kinds, out);
}

std::string applies_to_message(std::string_view key, std::span<const std::string_view> readers,
                               std::string_view entries, std::string_view kind) {
    std::vector<std::string> quoted;
    for (const std::string_view reader : readers) quoted.push_back(quote(reader));
    return fmt::format("{} applies to kind{} {} {}, not {}", key, readers.size() > 1 ? "s" : "",
                       fmt::join(quoted, ", "), entries, quote(kind));
}

void check_family_keys(const Section& s, std::span<const std::string_view> common,
                       std::span<const KindKeys> kinds, std::string_view kind,
                       std::string_view entries) {
    std::vector<std::string_view> known(common.begin(), common.end());
    for (const auto& k : kinds) known.insert(known.end(), k.keys.begin(), k.keys.end());
    s.check_keys(known);
    if (kind.empty()) return;
    // Each key some kind reads, with the kinds that read it, in the kinds' order.
    std::map<std::string_view, std::vector<std::string_view>> readers;
    for (const auto& k : kinds) {
        for (const std::string& key : k.keys) readers[key].push_back(k.kind);
    }
    for (const auto& [key, names] : readers) {
        if (!s.contains(key) || one_of(key, common) || one_of(kind, names)) continue;
        s.error(key, applies_to_message(key, names, entries, kind));
    }
}

void check_id(const Section& s, std::string_view key, const std::string& value) {
    if (!is_valid_id(value)) {
        s.error(key,
                fmt::format("invalid id {}: use letters, digits, '_', '.' and '-'", quote(value)));
    }
}

void parse_logging(const Section& s, LoggingConfig& out) {
    s.check_keys(kLoggingKeys);
    read_choice(s, "level", "log level", "values", kLogLevels, out.level);
    std::string format;
    if (read_choice(s, "format", "log format", "values", kLogFormats, format)) {
        out.format = format == "json" ? LogFormat::json : LogFormat::text;
    }
}

void parse_cluster(const Section& s, ClusterConfig& out) {
    constexpr std::string_view kKeys[] = {"shard"};
    s.check_keys(kKeys);
    std::string text;
    if (!s.read_string("shard", text)) return;
    auto shard = core::parse_shard(text);
    if (!shard) {
        s.error("shard", shard.error().message);
        return;
    }
    out.shard = *shard;
}

void parse_server(const Section& s, ServerConfig& out) {
    s.check_keys(kServerKeys);
    std::string listen;
    if (s.read_string("listen", listen)) {
        if (parse_host_port(listen)) {
            out.listen = listen;
        } else {
            s.error("listen", fmt::format("invalid listen address {}: expected host:port such as "
                                          "\"127.0.0.1:9464\" or \"[::1]:9464\"",
                                          quote(listen)));
        }
    }
    out.admin_token = read_secret(s, "admin_token", false);
    s.read_positive_size("body_limit", out.body_limit_bytes);
    s.read_positive_duration("read_timeout", out.read_timeout);
    s.read_positive_duration("shutdown_timeout", out.shutdown_timeout);

    // A token that failed to load has already been reported; only its absence is checked here.
    const bool token_given = s.contains("admin_token_env") || s.contains("admin_token_file");
    const auto host_port = parse_host_port(out.listen);
    if (!token_given && host_port && !is_loopback_host(host_port->host)) {
        s.error("listen",
                "admin routes need a token unless listen is loopback: set "
                "admin_token_env or admin_token_file");
    }
}

ProviderConfig parse_provider(const Section& s) {
    ProviderConfig out;
    s.check_keys(kProviderKeys);
    if (s.require("id") && s.read_string("id", out.id)) check_id(s, "id", out.id);
    if (!s.read_string("name", out.name)) out.name = out.id;
    read_base_url(s, "base_url", out.base_url);
    s.read_labels("labels", out.labels);
    out.auth = parse_auth(s);
    s.read_int("max_concurrency", out.max_concurrency, 0, kIntMax);
    out.maintenance = parse_maintenance(s);
    return out;
}

// parse_rule lives in rule_section.cpp.

}  // namespace noctua::config::detail
