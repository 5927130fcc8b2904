#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/clock.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::alerts {

enum class AlertState { firing, resolved };
[[nodiscard]] std::string_view to_string(AlertState s);

/// An alert's annotations: name to text, sorted by name. Copies share one block (copy on
/// write), so the several holders of one alert (engine, notifier, group, alert log,
/// notifications) keep one copy of its text. Reads like a const std::map (find, at, iteration
/// in name order, `it->first`/`it->second`); changing it copies a shared block first. A value
/// type; copies may be read and destroyed on different threads at once.
class Annotations {
public:
    using value_type = std::pair<std::string, std::string>;
    using Entries = std::vector<value_type>;  ///< sorted by name, names unique
    using const_iterator = Entries::const_iterator;
    using iterator = const_iterator;

    Annotations() = default;
    Annotations(std::initializer_list<value_type> init) : Annotations(init.begin(), init.end()) {}
    /// From (name, text) pairs; of equal names the first is kept, as a std::map would.
    template <class It>
    Annotations(It first, It last) {
        for (; first != last; ++first) emplace(first->first, first->second);
    }
    Annotations(const std::map<std::string, std::string>& m)  // NOLINT: implicit, as a map
        : Annotations(m.begin(), m.end()) {}

    [[nodiscard]] const Entries& entries() const { return e_ ? *e_ : kNone; }
    [[nodiscard]] const_iterator begin() const { return entries().begin(); }
    [[nodiscard]] const_iterator end() const { return entries().end(); }
    [[nodiscard]] const_iterator find(std::string_view name) const;
    /// Throws std::out_of_range when `name` is missing (as std::map::at).
    [[nodiscard]] const std::string& at(std::string_view name) const;
    [[nodiscard]] bool contains(std::string_view name) const { return find(name) != end(); }
    [[nodiscard]] std::size_t size() const { return entries().size(); }
    [[nodiscard]] bool empty() const { return entries().empty(); }

    /// The text of `name`, created empty if missing (this copy's own block).
    std::string& operator[](std::string_view name);
    /// Adds `name` unless present; returns whether it did.
    bool emplace(std::string_view name, std::string_view text);
    void erase(std::string_view name);
    /// Removes every entry for which `pred(entry)` holds.
    template <class Pred>
    void erase_if(Pred pred) {
        if (!e_ || std::none_of(e_->begin(), e_->end(), pred)) return;
        std::erase_if(own(), pred);
    }

    friend bool operator==(const Annotations& a, const Annotations& b) {
        return a.e_ == b.e_ || a.entries() == b.entries();
    }

private:
    Entries& own();

    static const Entries kNone;
    std::shared_ptr<Entries> e_;  // null: none; changed only through own()
};

/// Someone has taken an alert in hand: escalation and reminders stop for it, and receivers
/// that understand acknowledgements are told. Lasts while the alert fires: a later firing of the
/// same labels is a new incident and needs a new ack.
struct Ack {
    std::string by;  ///< who (as they gave it)
    std::string comment;
    core::TimePoint at{};

    friend bool operator==(const Ack&, const Ack&) = default;
};

/// An optional Ack behind one shared pointer: most alerts have none, and every holder of an
/// alert's copy pays 16 bytes for the slot instead of the Ack's 80. Reads as std::optional<Ack>
/// (`if (a.ack)`, `a.ack->by`, `a.ack = Ack{...}`); equal when both are empty or the acks are.
class AckSlot {
public:
    AckSlot() = default;
    AckSlot(std::nullopt_t) {}  // NOLINT: implicit, as std::optional's
    AckSlot(Ack ack)            // NOLINT: implicit, as std::optional's
        : p_(std::make_shared<const Ack>(std::move(ack))) {}

    [[nodiscard]] bool has_value() const { return p_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    const Ack& operator*() const { return *p_; }
    const Ack* operator->() const { return p_.get(); }
    void reset() { p_.reset(); }

    friend bool operator==(const AckSlot& a, const AckSlot& b) {
        return a.p_ == b.p_ || (a.p_ && b.p_ && *a.p_ == *b.p_);
    }

private:
    std::shared_ptr<const Ack> p_;
};

/// An alert: identity is its label set (which includes `alertname`), as in Alertmanager.
struct Alert {
    core::Labels labels;
    Annotations annotations;
    AlertState state = AlertState::firing;
    core::TimePoint starts_at{};
    core::TimePoint ends_at{};  ///< zero while firing
    core::TimePoint updated_at{};
    AckSlot ack;  ///< set while the firing alert is acknowledged

    [[nodiscard]] std::uint64_t fingerprint() const { return labels.fingerprint(); }
    [[nodiscard]] std::string_view alertname() const {
        return labels.get("alertname").value_or("");
    }
};

/// What a rule tells the engine: this label set is (or is no longer) alerting.
struct AlertInput {
    core::Labels labels;  ///< must contain alertname
    Annotations annotations;
    bool active = false;
    core::TimePoint at{};
};

}  // namespace noctua::alerts
