#pragma once

#include <span>
#include <string_view>

namespace noctua::config {

/// One family of kinds: the table whose entries pick one with `kind`, what one is called in
/// messages, and its kinds, sorted.
///
/// These lists are the only place a family's kinds are named: the configuration accepts
/// exactly these in `kind` (an unknown one is a positioned error listing them), and each
/// library's registry (probes::ProbeRegistry, detect::DetectorRegistry,
/// alerts::ChannelRegistry, streams::SourceRegistry, probes::SuiteRegistry) is declared with
/// its family: it refuses to register a kind that is not listed, and to freeze while a listed
/// one has no factory (core::Registry). `noctua --help` prints the registries.
struct KindFamily {
    std::string_view table;  ///< "[[probes]]"
    std::string_view what;   ///< "probe kind"
    std::span<const std::string_view> kinds;
};

namespace kind_lists {
inline constexpr std::string_view probes[] = {"dns", "heartbeat", "http", "scenario", "tcp", "tls"};
inline constexpr std::string_view rules[] = {"balance", "downtime", "latency", "traffic_loss"};
inline constexpr std::string_view receivers[] = {
    "alertmanager", "email", "log",      "opsgenie", "pagerduty",
    "slack",        "teams", "telegram", "webhook",  "whatsapp"};
inline constexpr std::string_view streams[] = {"file", "http", "kafka"};
inline constexpr std::string_view suites[] = {"reloadly"};
}  // namespace kind_lists

inline constexpr KindFamily kProbeKinds{"[[probes]]", "probe kind", kind_lists::probes};
inline constexpr KindFamily kRuleKinds{"[[rules]]", "rule kind", kind_lists::rules};
inline constexpr KindFamily kReceiverKinds{"[[receivers]]", "receiver kind", kind_lists::receivers};
inline constexpr KindFamily kStreamKinds{"[[streams]]", "stream kind", kind_lists::streams};
inline constexpr KindFamily kSuiteKinds{"[[status_tests]]", "status test kind", kind_lists::suites};

/// Every family, in the order `noctua --help` lists them.
inline constexpr KindFamily kKindFamilies[] = {kProbeKinds, kRuleKinds, kReceiverKinds,
                                               kStreamKinds, kSuiteKinds};

}  // namespace noctua::config
