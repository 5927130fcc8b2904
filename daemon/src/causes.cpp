#include "causes.hpp"

#include <algorithm>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "noctua/core/arith.hpp"

namespace noctua::daemon {
namespace {

/// A value's share of the missing volume that counts as "carries most of the loss".
constexpr double kDominantShare = 0.6;
/// Other providers' rise, as a share of the loss, that counts as a routing shift.
constexpr double kShiftShare = 0.5;
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

std::string per_hour(double v, core::Duration window) {
    const double hours = std::chrono::duration<double>(window).count() / 3600.0;
    return fmt::format("{:.0f}/h", hours > 0 ? v / hours : v);
}

}  // namespace

std::optional<std::string> likely_cause(std::string_view provider,
                                        const std::vector<FiringAlert>& firing) {
    const FiringAlert* best = nullptr;
    for (const auto& f : firing) {
        if (f.alert->labels.get("provider") != provider) continue;
        if (f.rule_kind != "downtime" && f.rule_kind != "balance") continue;
        if (best == nullptr || f.alert->starts_at < best->alert->starts_at) best = &f;
    }
    if (best == nullptr) return std::nullopt;
    const auto& a = *best->alert;
    const auto what =
        best->rule_kind == "downtime" ? "provider {} is down" : "provider {} balance is short";
    return fmt::format(fmt::runtime(what), provider) +
           fmt::format(" ({} firing since {})", a.alertname(), core::format_rfc3339(a.starts_at));
}

void VolumeHistory::observe(const core::Sample& sample) {
    if (sample.labels.get("metric") != "volume") return;
    auto [it, added] = series_.try_emplace(sample.labels.fingerprint());
    Series& s = it->second;
    if (added) {
        for (const auto& [k, v] : sample.labels.pairs()) {
            if (k != "metric") s.labels.set(k, v);
        }
        s.set = std::string(sample.labels.get("set").value_or(""));
    }
    // A bucket's volume belongs to the slot of its start (samples carry the bucket end).
    const std::int64_t t = sample.time.time_since_epoch().count() - 1;
    const std::int64_t slot = core::floor_div(t, kSlotMs);
    const auto i = static_cast<std::size_t>(core::floor_mod(slot, std::ssize(s.slots)));
    if (s.slot_of[i] != slot) {
        s.slot_of[i] = slot;
        s.slots[i] = 0;
    }
    s.slots[i] += static_cast<float>(sample.value);
}

double VolumeHistory::sum(const Series& s, std::int64_t from_slot, std::int64_t to_slot) const {
    double total = 0;
    for (std::int64_t slot = from_slot; slot < to_slot; ++slot) {
        const auto i = static_cast<std::size_t>(core::floor_mod(slot, std::ssize(s.slots)));
        if (s.slot_of[i] == slot) total += s.slots[i];
    }
    return total;
}

std::optional<std::string> VolumeHistory::explain_loss(const core::Labels& lost,
                                                       core::TimePoint now,
                                                       core::Duration window) const {
    const auto provider = lost.get("provider");
    if (!provider) return std::nullopt;
    // Whole slots: [to - n, to) now and the same slots a day earlier.
    const std::int64_t to = core::floor_div(now.time_since_epoch().count(), kSlotMs);
    const std::int64_t n = std::max<std::int64_t>(1, window.count() / kSlotMs);
    const std::int64_t day = kDayMs / kSlotMs;
    auto reference = [&](const Series& s) { return sum(s, to - n - day, to - day); };
    auto drop = [&](const Series& s) { return reference(s) - sum(s, to - n, to); };
    // The lost series' dimensions: the labels of its window series (an alert also carries
    // severity and the rule's labels); just the provider when the series is unknown.
    core::Labels lost_dims;
    lost_dims.set("provider", *provider);
    for (const auto& [fp, s] : series_) {
        if (lost.get("set") != std::optional<std::string_view>(s.set)) continue;
        bool same = true;
        for (const auto& [k, v] : s.labels.pairs()) {
            same = same && lost.get(k) == std::optional<std::string_view>(v);
        }
        if (!same) continue;
        lost_dims = core::Labels{};
        for (const auto& [k, v] : s.labels.pairs()) {
            if (k != "set") lost_dims.set(k, v);
        }
        break;
    }
    // A series belongs to the loss when it carries every dimension of the lost series.
    auto within = [&](const Series& s) {
        for (const auto& [k, v] : lost_dims.pairs()) {
            if (s.labels.get(k) != std::optional<std::string_view>(v)) return false;
        }
        return true;
    };

    // Routing shift: per set that splits by provider and something else (or provider alone),
    // the volume the lost provider dropped per key, against other providers' rise for the
    // same key.
    struct Shift {
        double lost = 0;
        double moved = 0;
        std::map<std::string, double> to;  // provider -> rise on the keys where it took traffic
    };
    std::map<std::string, Shift> shifts;  // by set
    // One customer / one country: the share of the missing volume per value.
    struct Split {
        double missing = 0;                                         // positive drops
        double ref = 0;                                             // volume a day earlier
        double net = 0;                                             // net drop
        std::map<std::string, std::pair<double, double>> by_value;  // value -> (drop, ref)
    };
    std::map<std::pair<std::string, std::string>, Split> splits;  // (set, dimension)

    std::map<std::string, std::map<std::string, double>> lost_by_key;  // set -> key -> drop
    std::map<std::string, std::map<std::string, std::map<std::string, double>>> rise_by_key;
    for (const auto& [fp, s] : series_) {
        const auto p = s.labels.get("provider");
        if (!p) continue;
        std::string key;
        bool other_dims = true;
        for (const auto& [k, v] : s.labels.pairs()) {
            if (k == "provider" || k == "set") continue;
            if (k == "customer") other_dims = false;  // customers do not move between providers
            key += k + "=" + v + ",";
        }
        const double d = drop(s);
        if (*p == *provider && within(s)) {
            if (other_dims && d > 0) lost_by_key[s.set][key] += d;
            for (const auto* dim : {"customer", "country"}) {
                const auto v = s.labels.get(dim);
                if (!v || lost_dims.contains(dim)) continue;
                auto& split = splits[{s.set, dim}];
                const double ref = reference(s);
                if (d > 0) split.missing += d;
                split.ref += ref;
                split.net += d;
                auto& [vd, vref] = split.by_value[std::string(*v)];
                vd += d;
                vref += ref;
            }
        } else if (*p != *provider && other_dims && d < 0) {
            rise_by_key[s.set][key][std::string(*p)] += -d;
        }
    }
    for (const auto& [set, keys] : lost_by_key) {
        Shift& sh = shifts[set];
        for (const auto& [key, d] : keys) {
            sh.lost += d;
            auto it = rise_by_key[set].find(key);
            if (it == rise_by_key[set].end()) continue;
            double rise = 0;
            for (const auto& [q, r] : it->second) rise += r;
            const double moved = std::min(d, rise);
            sh.moved += moved;
            for (const auto& [q, r] : it->second) sh.to[q] += moved * r / rise;
        }
    }
    // The most specific evidence first: a set with more dimensions says more.
    const Shift* best_shift = nullptr;
    for (const auto& [set, sh] : shifts) {
        if (sh.lost <= 0 || sh.moved < kShiftShare * sh.lost) continue;
        if (best_shift == nullptr || sh.moved / sh.lost > best_shift->moved / best_shift->lost) {
            best_shift = &sh;
        }
    }
    if (best_shift != nullptr) {
        const auto top =
            std::max_element(best_shift->to.begin(), best_shift->to.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        return fmt::format(
            "traffic moved to another provider: {} gained {} of the {} {} lost "
            "against the same time yesterday (routing shift)",
            top->first, per_hour(top->second, window), per_hour(best_shift->lost, window),
            *provider);
    }
    const Split* best = nullptr;
    std::string dim, value;
    double share = 0;
    for (const auto& [k, split] : splits) {
        if (split.missing <= 0 || split.by_value.size() < 2) continue;
        for (const auto& [v, dr] : split.by_value) {
            const auto [d, ref] = dr;
            const double sh = d / split.missing;
            // Most of the loss, and not merely because it carries most of the traffic: it
            // lost a clearly larger part of its own volume than the rest did.
            const double own = ref > 0 ? d / ref : 0;
            const double rest_ref = split.ref - ref;
            const double rest = rest_ref > 0 ? std::max(0.0, split.net - d) / rest_ref : 0;
            if (sh >= kDominantShare && own >= 2 * rest && sh > share) {
                best = &split;
                dim = k.second;
                value = v;
                share = sh;
            }
        }
    }
    if (best == nullptr) return std::nullopt;
    return fmt::format(
        "one {} carries most of the loss: {} {} accounts for {:.0f}% of the "
        "missing volume ({} of {} against the same time yesterday)",
        dim, dim, value, share * 100, per_hour(best->by_value.at(value).first, window),
        per_hour(best->missing, window));
}

}  // namespace noctua::daemon
