#pragma once

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "noctua/alerts/alert.hpp"

namespace noctua::alerts {

/// Read-only access, in order, to alerts held elsewhere: a vector's, or the engine's firing
/// set (AlertEngine::firing()), without copying them. Cheap to copy (a few pointers). Valid
/// while what it views is unchanged: an engine's view is invalidated by update(), resolve_if()
/// and restore().
class AlertsView {
public:
    using FiringOrder = std::set<std::pair<core::TimePoint, std::uint64_t>>;
    using FiringMap = std::unordered_map<std::uint64_t, Alert>;

    /// A forward iterator yielding `const Alert&`.
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Alert;
        using difference_type = std::ptrdiff_t;
        using pointer = const Alert*;
        using reference = const Alert&;

        iterator() = default;
        reference operator*() const { return map_ ? map_->find(order_->second)->second : *at_; }
        pointer operator->() const { return &**this; }
        iterator& operator++() {
            map_ ? void(++order_) : void(++at_);
            return *this;
        }
        iterator operator++(int) {
            auto old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) {
            return a.map_ ? a.order_ == b.order_ : a.at_ == b.at_;
        }

    private:
        friend class AlertsView;
        const Alert* at_ = nullptr;       // a vector's element
        const FiringMap* map_ = nullptr;  // else the engine's alerts, in order_'s order
        FiringOrder::const_iterator order_{};
    };

    AlertsView() = default;
    /// The alerts of `alerts`, in its order (implicit: any vector of alerts is a view).
    AlertsView(const std::vector<Alert>& alerts)  // NOLINT(google-explicit-constructor)
        : begin_(alerts.data()), end_(alerts.data() + alerts.size()) {}
    /// The alerts of `map` in `order` (by start, then fingerprint): the engine's firing set.
    AlertsView(const FiringOrder& order, const FiringMap& map) : order_(&order), map_(&map) {}

    [[nodiscard]] iterator begin() const { return edge(false); }
    [[nodiscard]] iterator end() const { return edge(true); }
    [[nodiscard]] std::size_t size() const {
        return map_ ? order_->size() : static_cast<std::size_t>(end_ - begin_);
    }
    [[nodiscard]] bool empty() const { return size() == 0; }

private:
    /// An iterator at the view's first alert, or past its last when `at_end`.
    [[nodiscard]] iterator edge(bool at_end) const {
        iterator it;
        if (map_) {
            it.map_ = map_;
            it.order_ = at_end ? order_->end() : order_->begin();
        } else {
            it.at_ = at_end ? end_ : begin_;
        }
        return it;
    }

    const Alert* begin_ = nullptr;
    const Alert* end_ = nullptr;
    const FiringOrder* order_ = nullptr;
    const FiringMap* map_ = nullptr;
};

/// The alert life cycle: inputs from rules become firing alerts, and firing alerts become
/// resolved ones. Each transition is handed to `on_transition` exactly once (firing once,
/// resolved once); repeated inputs with the same verdict only refresh annotations.
///
/// Not thread-safe: owned by the daemon's pipeline strand.
class AlertEngine {
public:
    using OnTransition = std::function<void(const Alert&)>;

    explicit AlertEngine(OnTransition on_transition);

    /// Applies one input; returns the alert when it changed state.
    std::optional<Alert> update(const AlertInput& input);

    /// Resolves every firing alert for which `pred` is true (e.g. its rule was removed by a
    /// reload, or its probe no longer exists), at time `at`.
    void resolve_if(const std::function<bool(const Alert&)>& pred, core::TimePoint at);

    /// Holds `alerts` as firing again (after a restart), without transitions.
    void restore(std::vector<Alert> alerts);

    /// Whether the alert with this fingerprint is firing.
    [[nodiscard]] bool is_firing(std::uint64_t fingerprint) const {
        return firing_.contains(fingerprint);
    }

    /// The firing alerts, sorted by starts_at then fingerprint: a view of the engine's own set,
    /// kept in that order as alerts fire and resolve, so that reading it neither copies nor
    /// sorts (10,000 firing alerts are read on every rule tick). Invalidated by update(),
    /// resolve_if() and restore().
    [[nodiscard]] AlertsView firing() const { return AlertsView(order_, firing_); }

private:
    void hold(Alert a);

    OnTransition on_transition_;
    AlertsView::FiringMap firing_;
    AlertsView::FiringOrder order_;  // (starts_at, fingerprint) of each alert in firing_
};

}  // namespace noctua::alerts
