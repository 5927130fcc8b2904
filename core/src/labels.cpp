#include "noctua/core/labels.hpp"

#include <algorithm>

namespace noctua::core {
namespace {

auto lower_bound_name(std::vector<Labels::Pair>& pairs, std::string_view name) {
    return std::lower_bound(pairs.begin(), pairs.end(), name,
                            [](const Labels::Pair& p, std::string_view n) { return p.first < n; });
}

}  // namespace

const std::vector<Labels::Pair> Labels::kNone;

bool is_label_name(std::string_view name) {
    const auto word = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (c >= '0' && c <= '9');
    };
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
    return std::all_of(name.begin(), name.end(), word);
}

Labels::Labels(std::initializer_list<Pair> pairs) {
    for (const auto& [k, v] : pairs) set(k, v);
}

std::vector<Labels::Pair>& Labels::own() {
    // A block only this copy holds is changed in place; a shared one is copied first.
    if (!pairs_ || pairs_.use_count() > 1) {
        auto block = std::make_shared<Block>();
        if (pairs_) block->pairs = pairs_->pairs;
        pairs_ = std::move(block);
    }
    pairs_->fingerprint.store(0, std::memory_order_relaxed);
    return pairs_->pairs;
}

void Labels::set(std::string_view name, std::string_view value) {
    if (value.empty()) {
        erase(name);
        return;
    }
    if (auto v = get(name); v && *v == value) return;
    auto& pairs = own();
    auto it = lower_bound_name(pairs, name);
    if (it != pairs.end() && it->first == name) {
        it->second = value;
    } else {
        pairs.insert(it, Pair{std::string(name), std::string(value)});
    }
}

void Labels::erase(std::string_view name) {
    if (!contains(name)) return;
    auto& pairs = own();
    auto it = lower_bound_name(pairs, name);
    pairs.erase(it);
}

std::optional<std::string_view> Labels::get(std::string_view name) const {
    const auto& pairs = this->pairs();
    auto it = std::lower_bound(pairs.begin(), pairs.end(), name,
                               [](const Pair& p, std::string_view n) { return p.first < n; });
    if (it != pairs.end() && it->first == name) return std::string_view{it->second};
    return std::nullopt;
}

void Labels::merge_missing(const Labels& other) {
    for (const auto& [k, v] : other.pairs()) {
        if (!contains(k)) set(k, v);
    }
}

std::uint64_t Labels::fingerprint() const {
    if (pairs_) {
        if (const auto kept = pairs_->fingerprint.load(std::memory_order_relaxed); kept != 0) {
            return kept;
        }
    }
    // FNV-1a 64 over name 0xff value 0xff …: stable across runs, machines and instances.
    constexpr std::uint64_t kOffset = 14695981039346656037ULL;
    constexpr std::uint64_t kPrime = 1099511628211ULL;
    std::uint64_t h = kOffset;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= kPrime;
        }
        h ^= 0xffU;
        h *= kPrime;
    };
    for (const auto& [k, v] : pairs()) {
        mix(k);
        mix(v);
    }
    if (pairs_) pairs_->fingerprint.store(h, std::memory_order_relaxed);
    return h;
}

std::string Labels::fingerprint_hex() const {
    // Sixteen digits by hand: every notification and alert record carries one.
    constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    auto v = fingerprint();
    for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    return out;
}

std::string Labels::to_string() const {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : pairs()) {
        if (!first) out += ", ";
        first = false;
        out += k;
        out += "=\"";
        out += v;
        out += '"';
    }
    out += "}";
    return out;
}

}  // namespace noctua::core
