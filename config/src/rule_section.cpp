// `[[rules]]`: the keys common to every rule kind; each kind's parser reads its own.

#include <algorithm>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

/// The keys of every `[[rules]]` entry; `probes` and `severity` too for the kinds that list them.
constexpr std::string_view kCommonKeys[] = {"annotations", "keep_firing_for", "kind",
                                            "labels",      "match",           "name"};
constexpr std::string_view kSeverities[] = {"critical", "info", "warning"};

}  // namespace

RuleConfig parse_rule(const Section& s, const KindParsers& kinds) {
    RuleConfig out;
    if (s.require("name") && s.read_string("name", out.name)) check_id(s, "name", out.name);
    read_kind(s, kRuleKinds, out.kind);
    check_family_keys(s, kCommonKeys, kinds.rules(), out.kind, "rules");
    const auto kind = kinds.rules().find(out.kind);
    const auto lists = [&](std::string_view key) {
        return kind != kinds.rules().end() &&
               std::find(kind->second.keys.begin(), kind->second.keys.end(), key) !=
                   kind->second.keys.end();
    };
    if (lists("severity")) {
        read_choice(s, "severity", "severity", "values", kSeverities, out.severity);
    }
    if (lists("probes")) s.read_string_list("probes", out.probes);
    s.read_labels("labels", out.labels);
    s.read_labels("match", out.match);
    s.read_string_map("annotations", out.annotations, &is_label_name, "[a-zA-Z_][a-zA-Z0-9_]*");
    check_rule_templates(s);
    s.read_non_negative_duration("keep_firing_for", out.keep_firing_for);
    if (kind != kinds.rules().end()) out.options = kind->second.parse(s, out);
    return out;
}

}  // namespace noctua::config::detail
