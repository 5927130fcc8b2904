#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace noctua::config {

/// An optional immutable value that copies share instead of duplicating: reads like
/// std::optional<T> (has_value, *, ->), compares by value. A provider's AuthConfig (600 bytes)
/// is one object however many of its probes, and their running copies, refer to it.
template <class T>
class Shared {
public:
    Shared() = default;
    Shared(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): optional-like
    Shared(T value) : p_(std::make_shared<const T>(std::move(value))) {}  // NOLINT: optional-like
    Shared(std::optional<T> value) {  // NOLINT: optional-like
        if (value) p_ = std::make_shared<const T>(std::move(*value));
    }
    [[nodiscard]] bool has_value() const { return p_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    const T& operator*() const { return *p_; }
    const T* operator->() const { return p_.get(); }
    friend bool operator==(const Shared& a, const Shared& b) {
        return a.p_ == b.p_ || (a.p_ && b.p_ && *a.p_ == *b.p_);
    }

private:
    std::shared_ptr<const T> p_;
};

}  // namespace noctua::config
