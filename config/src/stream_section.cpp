// Parsers for [[streams]], [windows] and [storage]: transaction streams and their state.
#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr int kIntMax = std::numeric_limits<int>::max();

constexpr std::string_view kStreamKeys[] = {
    "body_limit",       "brokers",          "group_id",         "hmac_secret_env",
    "hmac_secret_file", "id",               "kafka",            "kind",
    "max_decompressed", "paths",            "poll_interval",    "queue_limit",
    "signature_tolerance", "start_at_end",  "token_env",        "token_file",
    "topics"};
constexpr std::string_view kHttpKeys[] = {"body_limit",          "hmac_secret_env",
                                          "hmac_secret_file",    "max_decompressed",
                                          "queue_limit",         "signature_tolerance",
                                          "token_env",           "token_file"};
constexpr std::string_view kFileKeys[] = {"paths", "poll_interval", "start_at_end"};
constexpr std::string_view kKafkaKeys[] = {"brokers", "group_id", "kafka", "topics"};

constexpr std::string_view kWindowKeys[] = {
    "allowed_lateness", "bucket",          "dedup_horizon", "dedup_max_ids",  "history_bucket",
    "labels",           "max_event_bytes", "max_future",    "recent",         "retention",
    "sets",             "snapshot_interval"};
constexpr std::string_view kSetKeys[] = {"by", "max_series", "metrics", "name"};
constexpr std::string_view kBuiltinDimensions[] = {"country",  "currency", "customer",
                                                   "operator", "product",  "provider"};
constexpr std::string_view kStorageKeys[] = {"path"};

void positive_size(const Section& s, std::string_view key, std::size_t& out) {
    std::size_t v = 0;
    if (!s.read_size(key, v)) return;
    if (v == 0) {
        s.error(key, "must be greater than 0");
        return;
    }
    out = v;
}

/// librdkafka property names: "security.protocol", "fetch.wait.max.ms".
bool is_kafka_property(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    });
}

/// Keys of one kind that another kind's stream gives are reported as not applying.
void check_kind_keys(const Section& s, std::string_view kind) {
    const std::pair<std::string_view, std::span<const std::string_view>> groups[] = {
        {"http", kHttpKeys}, {"file", kFileKeys}, {"kafka", kKafkaKeys}};
    for (const auto& [k, keys] : groups) {
        if (k == kind) continue;
        for (auto key : keys) {
            const bool own = std::any_of(std::begin(groups), std::end(groups), [&](const auto& g) {
                return g.first == kind && one_of(key, g.second);
            });
            if (s.contains(key) && !own) {
                s.error(key, fmt::format("{} applies to kind \"{}\" streams, not \"{}\"", key, k,
                                         kind));
            }
        }
    }
}

DimensionSetConfig parse_set(const Section& s, const std::set<std::string>& labels) {
    DimensionSetConfig out;
    s.check_keys(kSetKeys);
    if (s.require("by") && s.read_string_list("by", out.by)) {
        if (out.by.empty()) s.error("by", "must name at least one dimension");
        std::set<std::string> seen;
        for (const auto& d : out.by) {
            if (!seen.insert(d).second) {
                s.error("by", fmt::format("dimension {} is listed twice", quote(d)));
            } else if (!one_of(d, kBuiltinDimensions) && !labels.contains(d)) {
                std::vector<std::string> known(std::begin(kBuiltinDimensions),
                                               std::end(kBuiltinDimensions));
                known.insert(known.end(), labels.begin(), labels.end());
                s.error("by", unknown_message("dimension", "dimensions (event labels must be "
                                                           "listed in windows.labels)",
                                              d, known, false));
            }
        }
    }
    if (!s.read_string("name", out.name)) {
        for (const auto& d : out.by) out.name += (out.name.empty() ? "" : "_") + d;
    } else {
        check_id(s, "name", out.name);
    }
    int max_series = 0;
    if (s.read_int("max_series", max_series, 1, kIntMax)) {
        out.max_series = static_cast<std::size_t>(max_series);
    }
    s.read_bool("metrics", out.metrics);
    return out;
}

}  // namespace

std::vector<DimensionSetConfig> default_dimension_sets() {
    return {DimensionSetConfig{"provider", {"provider"}, 10000, false},
            DimensionSetConfig{"provider_country", {"provider", "country"}, 10000, false},
            DimensionSetConfig{"provider_operator", {"provider", "operator"}, 10000, false}};
}

StreamConfig parse_stream(const Section& s) {
    StreamConfig out;
    s.check_keys(kStreamKeys);
    if (s.require("id") && s.read_string("id", out.id)) check_id(s, "id", out.id);
    if (s.require("kind")) read_kind(s, kStreamKinds, out.kind);
    if (!out.kind.empty()) check_kind_keys(s, out.kind);

    if (out.kind == "http") {
        out.token = read_secret(s, "token", false);
        out.hmac_secret = read_secret(s, "hmac_secret", false);
        const bool given = s.contains("token_env") || s.contains("token_file") ||
                           s.contains("hmac_secret_env") || s.contains("hmac_secret_file");
        if (!given) {
            s.error("http streams need a token (token_env or token_file) or an HMAC secret "
                    "(hmac_secret_env or hmac_secret_file)");
        }
        s.read_positive_duration("signature_tolerance", out.signature_tolerance);
        positive_size(s, "body_limit", out.body_limit);
        positive_size(s, "max_decompressed", out.max_decompressed);
        int queue = 0;
        if (s.read_int("queue_limit", queue, 1, 100000)) {
            out.queue_limit = static_cast<std::size_t>(queue);
        }
    } else if (out.kind == "file") {
        if (s.require("paths") && s.read_string_list("paths", out.paths) && out.paths.empty()) {
            s.error("paths", "must list at least one file or glob");
        }
        s.read_positive_duration("poll_interval", out.poll_interval);
        s.read_bool("start_at_end", out.start_at_end);
    } else if (out.kind == "kafka") {
        if (s.require("brokers")) s.read_string("brokers", out.brokers);
        if (s.require("topics") && s.read_string_list("topics", out.topics) &&
            out.topics.empty()) {
            s.error("topics", "must list at least one topic");
        }
        s.read_string("group_id", out.group_id);
        s.read_string_map("kafka", out.kafka_options, &is_kafka_property, "[a-z0-9._]+");
    }
    return out;
}

void parse_windows(const Section& s, WindowsConfig& out) {
    s.check_keys(kWindowKeys);
    s.read_positive_duration("bucket", out.bucket);
    s.read_positive_duration("recent", out.recent);
    s.read_positive_duration("history_bucket", out.history_bucket);
    s.read_positive_duration("retention", out.retention);
    s.read_positive_duration("max_future", out.max_future);
    s.read_positive_duration("dedup_horizon", out.dedup_horizon);
    s.read_positive_duration("snapshot_interval", out.snapshot_interval);
    core::Duration lateness{};
    if (s.read_duration("allowed_lateness", lateness)) out.allowed_lateness = lateness;
    int ids = 0;
    if (s.read_int("dedup_max_ids", ids, 1000, kIntMax)) out.dedup_max_ids = static_cast<std::size_t>(ids);
    positive_size(s, "max_event_bytes", out.max_event_bytes);

    if (out.history_bucket.count() % out.bucket.count() != 0) {
        s.error(s.contains("history_bucket") ? "history_bucket" : "bucket",
                fmt::format("history_bucket ({}) must be a whole multiple of bucket ({})",
                            core::format_duration(out.history_bucket),
                            core::format_duration(out.bucket)));
    }
    if (out.recent < out.bucket) s.error("recent", "must be at least one bucket");
    if (out.retention < out.history_bucket) s.error("retention", "must be at least one history_bucket");

    std::set<std::string> labels;
    if (s.read_string_list("labels", out.labels)) {
        for (const auto& l : out.labels) {
            if (!is_label_name(l)) {
                s.error("labels", fmt::format("invalid label name {}: use [a-zA-Z_][a-zA-Z0-9_]*",
                                              quote(l)));
            } else if (one_of(l, kBuiltinDimensions)) {
                s.error("labels", fmt::format("{} is a built-in dimension, not a label", quote(l)));
            } else {
                labels.insert(l);
            }
        }
    }
    std::set<std::string, std::less<>> names;
    for (const auto& set : s.table_array("sets")) {
        auto parsed = parse_set(set, labels);
        if (!parsed.name.empty() && !names.insert(parsed.name).second) {
            set.error(set.contains("name") ? "name" : "by",
                      fmt::format("duplicate dimension set name {}", quote(parsed.name)));
        }
        out.sets.push_back(std::move(parsed));
    }
}

void parse_storage(const Section& s, StorageConfig& out) {
    s.check_keys(kStorageKeys);
    if (s.read_string("path", out.path) && out.path.empty()) s.error("path", "must not be empty");
}

}  // namespace noctua::config::detail
