#include "noctua/alerts/engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace noctua::alerts {

const Annotations::Entries Annotations::kNone;

namespace {

Annotations::const_iterator lower_bound_name(const Annotations::Entries& e,
                                             std::string_view name) {
    return std::lower_bound(e.begin(), e.end(), name,
                            [](const auto& kv, std::string_view n) { return kv.first < n; });
}

}  // namespace

Annotations::const_iterator Annotations::find(std::string_view name) const {
    auto it = lower_bound_name(entries(), name);
    return it != end() && it->first == name ? it : end();
}

const std::string& Annotations::at(std::string_view name) const {
    auto it = find(name);
    if (it == end()) throw std::out_of_range("no annotation " + std::string(name));
    return it->second;
}

Annotations::Entries& Annotations::own() {
    // A block only this copy holds is changed in place; a shared one is copied first.
    if (!e_ || e_.use_count() > 1) {
        e_ = e_ ? std::make_shared<Entries>(*e_) : std::make_shared<Entries>();
    }
    return *e_;
}

std::string& Annotations::operator[](std::string_view name) {
    auto& e = own();
    auto it = e.begin() + (lower_bound_name(e, name) - e.cbegin());
    if (it == e.end() || it->first != name) it = e.emplace(it, std::string(name), std::string());
    return it->second;
}

bool Annotations::emplace(std::string_view name, std::string_view text) {
    if (contains(name)) return false;
    auto& e = own();
    e.emplace(lower_bound_name(e, name), std::string(name), std::string(text));
    return true;
}

void Annotations::erase(std::string_view name) {
    if (!contains(name)) return;
    auto& e = own();
    e.erase(lower_bound_name(e, name));
}

std::string_view to_string(AlertState s) {
    return s == AlertState::firing ? "firing" : "resolved";
}

AlertEngine::AlertEngine(OnTransition on_transition) : on_transition_(std::move(on_transition)) {}

std::optional<Alert> AlertEngine::update(const AlertInput& input) {
    const auto fp = input.labels.fingerprint();
    auto it = firing_.find(fp);
    if (input.active) {
        if (it != firing_.end()) {
            it->second.annotations = input.annotations;
            it->second.updated_at = input.at;
            return std::nullopt;
        }
        Alert a;
        a.labels = input.labels;
        a.annotations = input.annotations;
        a.state = AlertState::firing;
        a.starts_at = input.at;
        a.updated_at = input.at;
        hold(a);
        if (on_transition_) on_transition_(a);
        return a;
    }
    if (it == firing_.end()) return std::nullopt;
    Alert a = std::move(it->second);
    firing_.erase(it);
    order_.erase({a.starts_at, fp});
    // Keep the firing annotations (what broke) and add what the resolving input says.
    for (const auto& [k, v] : input.annotations) a.annotations[k] = v;
    a.state = AlertState::resolved;
    a.ends_at = input.at;
    a.updated_at = input.at;
    if (on_transition_) on_transition_(a);
    return a;
}

void AlertEngine::resolve_if(const std::function<bool(const Alert&)>& pred, core::TimePoint at) {
    std::vector<AlertInput> to_resolve;
    for (const auto& [fp, a] : firing_) {
        if (pred(a)) to_resolve.push_back(AlertInput{a.labels, {}, false, at});
    }
    for (const auto& in : to_resolve) update(in);
}

void AlertEngine::hold(Alert a) {
    const auto fp = a.fingerprint();
    auto [it, added] = firing_.try_emplace(fp);
    if (!added) order_.erase({it->second.starts_at, fp});
    order_.emplace(a.starts_at, fp);
    it->second = std::move(a);
}

void AlertEngine::restore(std::vector<Alert> alerts) {
    for (auto& a : alerts) {
        if (a.state == AlertState::firing) hold(std::move(a));
    }
}

}  // namespace noctua::alerts
