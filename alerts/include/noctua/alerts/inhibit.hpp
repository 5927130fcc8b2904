#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/config/config.hpp"

namespace noctua::alerts {

/// `[[inhibit]]`: while an alert matching `source` fires, alerts matching `target` that carry
/// the same values of the `equal` labels are muted (a provider being down mutes its traffic
/// and balance alerts). An alert never inhibits itself.
using InhibitRule = config::InhibitConfig;

/// Decides inhibition against the currently firing alerts. Pure and stateless: the pipeline
/// passes the firing set in. Thread-safe for reads.
class Inhibitor {
public:
    explicit Inhibitor(std::vector<InhibitRule> rules) : rules_(std::move(rules)) {}

    /// The first firing alert that inhibits `target`, or nullptr.
    [[nodiscard]] const Alert* inhibited_by(const core::Labels& target,
                                            const std::vector<Alert>& firing) const;
    /// As above, with the firing alerts by fingerprint (the Notifier's own set, not copied).
    [[nodiscard]] const Alert* inhibited_by(
        const core::Labels& target, const std::unordered_map<std::uint64_t, Alert>& firing) const;

    [[nodiscard]] const std::vector<InhibitRule>& rules() const { return rules_; }

private:
    std::vector<InhibitRule> rules_;
};

}  // namespace noctua::alerts
