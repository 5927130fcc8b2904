// Parsers for [[streams]] (the keys every kind shares; each kind's parser reads its own),
// [windows] and [storage]: transaction streams and their state.
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

/// The keys of every `[[streams]]` entry; each kind's parser reads the rest.
constexpr std::string_view kStreamCommonKeys[] = {"id", "kind"};

constexpr std::string_view kWindowKeys[] = {
    "allowed_lateness", "bucket",          "dedup_horizon", "dedup_max_ids",  "history_bucket",
    "labels",           "max_event_bytes", "max_future",    "recent",         "retention",
    "sets",             "snapshot_interval"};
constexpr std::string_view kSetKeys[] = {"by", "max_series", "metrics", "name"};
constexpr std::string_view kBuiltinDimensions[] = {"country",  "currency", "customer",
                                                   "operator", "product",  "provider"};
constexpr std::string_view kStorageKeys[] = {"path"};

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

StreamConfig parse_stream(const Section& s, const KindParsers& kinds) {
    StreamConfig out;
    if (s.require("id") && s.read_string("id", out.id)) check_id(s, "id", out.id);
    if (s.require("kind")) read_kind(s, kStreamKinds, out.kind);
    check_family_keys(s, kStreamCommonKeys, kinds.streams(), out.kind, "streams");
    const auto kind = kinds.streams().find(out.kind);
    if (kind != kinds.streams().end()) out.options = kind->second.parse(s, out);
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
    s.read_positive_size("max_event_bytes", out.max_event_bytes);

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
