#pragma once

// Private to noctua::streams: the hash of the windows' in-memory tables.

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace noctua::streams::detail {

/// A fast 64-bit hash of short strings (ids, dimension values), chained through `seed`. Only
/// for in-memory tables: it is never persisted, so it may change between builds.
inline std::uint64_t hash_bytes(std::string_view s, std::uint64_t seed) {
    constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
    auto mix = [](std::uint64_t h, std::uint64_t v) {
        h = (h ^ v) * kMul;
        return h ^ (h >> 29);
    };
    std::uint64_t h = mix(seed, s.size());
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, 8);
        h = mix(h, v);
    }
    if (n > 0) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, n);
        h = mix(h, v);
    }
    // murmur3's finaliser: every input bit reaches every output bit.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/// Hashes the string keys of the windows' maps (providers, error codes, series keys) with
/// hash_bytes(): cheaper than std::hash for the short strings they hold, which an event looks
/// up several times.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return hash_bytes(s, 0); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// The dedup hash of an event id; never 0 (IdSet's empty slot).
inline std::uint64_t dedup_hash(std::string_view id) {
    const std::uint64_t h = hash_bytes(id, 0);
    return h == 0 ? 1 : h;
}

}  // namespace noctua::streams::detail
