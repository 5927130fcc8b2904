#include "noctua/core/shard.hpp"

#include <charconv>

#include <fmt/format.h>

namespace noctua::core {

std::uint64_t fnv1a64(std::string_view bytes) {
    constexpr std::uint64_t kOffset = 14695981039346656037ULL;
    constexpr std::uint64_t kPrime = 1099511628211ULL;
    std::uint64_t h = kOffset;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= kPrime;
    }
    return h;
}

std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets) {
    // "A Fast, Minimal Memory, Consistent Hash Algorithm" (Lamping, Veach 2014), as published.
    std::int64_t b = -1;
    std::int64_t j = 0;
    while (j < static_cast<std::int64_t>(buckets)) {
        b = j;
        key = key * 2862933555777941757ULL + 1;
        j = static_cast<std::int64_t>(
            static_cast<double>(b + 1) *
            (static_cast<double>(1LL << 31) / static_cast<double>((key >> 33) + 1)));
    }
    return static_cast<std::uint32_t>(b < 0 ? 0 : b);
}

std::uint32_t shard_of(std::string_view id, std::uint32_t count) {
    return jump_consistent_hash(fnv1a64(id), count == 0 ? 1 : count);
}

bool Shard::owns(std::string_view id) const { return shard_of(id, count) == index; }

std::string Shard::to_string() const { return fmt::format("{}/{}", index, count); }

Result<Shard> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    auto number = [](std::string_view digits, std::uint32_t& out) {
        if (digits.empty() || digits.size() > 9) return false;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
        return ec == std::errc{} && end == digits.data() + digits.size();
    };
    Shard s;
    if (slash == std::string_view::npos || !number(text.substr(0, slash), s.index) ||
        !number(text.substr(slash + 1), s.count)) {
        return fail(Errc::invalid_argument,
                    fmt::format("\"{}\" is not a shard: write \"i/N\", this instance's index i "
                                "(from 0) of N instances, e.g. \"0/2\"",
                                text));
    }
    if (s.count == 0 || s.count > kMaxShards) {
        return fail(
            Errc::invalid_argument,
            fmt::format("the number of shards must be from 1 to {}, not {}", kMaxShards, s.count));
    }
    if (s.index >= s.count) {
        return fail(Errc::invalid_argument,
                    fmt::format("shard index {} is out of range: of {} shards the indices are 0 "
                                "to {}",
                                s.index, s.count, s.count - 1));
    }
    return s;
}

}  // namespace noctua::core
