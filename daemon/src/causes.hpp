#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "noctua/alerts/alert.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/sample.hpp"

namespace noctua::daemon {

/// A firing alert together with the kind of rule that raised it ("downtime", "balance", …).
struct FiringAlert {
    const alerts::Alert* alert;
    std::string_view rule_kind;
};

/// The likely cause of a traffic loss on `provider`, when another alert already explains it:
/// the provider is down (a downtime alert), or its balance ran out (a balance alert). The
/// earliest such alert wins; nullopt when none fires. Pure.
[[nodiscard]] std::optional<std::string> likely_cause(std::string_view provider,
                                                      const std::vector<FiringAlert>& firing);

/// Recent transaction volume of every stream-window series (samples with `metric=volume`,
/// labels: the set's dimensions and `set`), in 5-minute slots over the last 25 hours, so that
/// a traffic loss can be compared with the same time of the previous day dimension by
/// dimension. Memory: about 3.6 KiB per series (300 slots of a float and their slot number).
///
/// Not thread-safe: owned by the daemon's pipeline strand (or one replay loop).
class VolumeHistory {
public:
    /// Records one window sample; samples of other metrics are ignored. Samples of one series
    /// arrive in event-time order.
    void observe(const core::Sample& sample);

    /// Why `provider` (and the other labels of `lost`, e.g. country) lost traffic over the
    /// `window` before `now`, from the volume of the sets that split it further, compared with
    /// the same window a day earlier:
    /// - "traffic moved to another provider": other providers' volume for the same
    ///   country/operator/product rose by at least half of the lost volume (routing shift);
    /// - "one customer or one country carries most of the loss": one value of `customer` or
    ///   `country` accounts for at least 60% of the missing volume.
    /// A short human sentence with the values; nullopt when neither shows. Pure.
    [[nodiscard]] std::optional<std::string> explain_loss(const core::Labels& lost,
                                                          core::TimePoint now,
                                                          core::Duration window) const;

    [[nodiscard]] std::size_t series_count() const { return series_.size(); }

private:
    static constexpr std::int64_t kSlotMs = 5 * 60 * 1000;
    static constexpr std::size_t kSlots = 25 * 12;  // 25 h
    struct Series {
        core::Labels labels;  ///< without `metric`
        std::string set;
        std::vector<float> slots = std::vector<float>(kSlots, 0.0f);
        std::vector<std::int64_t> slot_of = std::vector<std::int64_t>(kSlots, -1);  // slot held
    };
    /// Volume of `s` over [from, to) (whole slots).
    [[nodiscard]] double sum(const Series& s, std::int64_t from_slot, std::int64_t to_slot) const;
    std::unordered_map<std::uint64_t, Series> series_;
};

}  // namespace noctua::daemon
