#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace noctua::core {

/// A set of (name, value) pairs kept sorted by name, names unique.
/// The identity of a series and of an alert. A value type; not thread-safe for mutation.
///
/// Copies share one immutable block of pairs (copy on write): an alert's labels are held by
/// the engine, the notifier, its group and the alert log, and each copy costs a reference, not
/// the strings again. Copies may be read and destroyed on different threads at once.
class Labels {
public:
    using Pair = std::pair<std::string, std::string>;

    Labels() = default;
    Labels(std::initializer_list<Pair> pairs);

    /// Sets `name` to `value`, replacing an existing value. An empty value removes the label
    /// (as Prometheus and Alertmanager treat empty label values).
    void set(std::string_view name, std::string_view value);
    void erase(std::string_view name);
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    [[nodiscard]] bool contains(std::string_view name) const { return get(name).has_value(); }

    /// Adds every label of `other` that is not yet present here.
    void merge_missing(const Labels& other);

    [[nodiscard]] const std::vector<Pair>& pairs() const {
        return pairs_ ? pairs_->pairs : kNone;
    }
    [[nodiscard]] bool empty() const { return !pairs_ || pairs_->pairs.empty(); }
    [[nodiscard]] std::size_t size() const { return pairs_ ? pairs_->pairs.size() : 0; }

    /// A stable 64-bit FNV-1a hash of the sorted pairs: the same on every run and machine.
    /// Worked out once per block and kept with it (an alert's identity is asked for at every
    /// step of its way).
    [[nodiscard]] std::uint64_t fingerprint() const;
    /// The fingerprint as 16 lower-case hex digits (Alertmanager's format).
    [[nodiscard]] std::string fingerprint_hex() const;

    /// `{a="1", b="2"}`, for logs and messages.
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const Labels& a, const Labels& b) {
        return a.pairs_ == b.pairs_ || a.pairs() == b.pairs();
    }

private:
    // The pairs and their fingerprint once worked out (0: not yet; relaxed: any thread may
    // store the same value).
    struct Block {
        std::vector<Pair> pairs;
        mutable std::atomic<std::uint64_t> fingerprint{0};
    };

    /// The pairs to change: this copy's own block (copied first when shared), its fingerprint
    /// forgotten.
    std::vector<Pair>& own();

    static const std::vector<Pair> kNone;
    std::shared_ptr<Block> pairs_;  // null: no labels; changed only through own()
};

/// Whether `name` is a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. Pure.
[[nodiscard]] bool is_label_name(std::string_view name);

}  // namespace noctua::core
