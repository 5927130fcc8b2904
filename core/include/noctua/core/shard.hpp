#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "noctua/core/result.hpp"

namespace noctua::core {

/// 64-bit FNV-1a of `bytes` (offset basis 14695981039346656037, prime 1099511628211): the same
/// value on every run, build, platform and version. It is part of the shard assignment, so
/// it never changes.
[[nodiscard]] std::uint64_t fnv1a64(std::string_view bytes);

/// Lamping and Veach's jump consistent hash: maps `key` to a bucket in [0, buckets). When
/// `buckets` grows from N to N+1, only about 1/(N+1) of the keys move, all of them to the
/// new bucket. `buckets` must be at least 1.
[[nodiscard]] std::uint32_t jump_consistent_hash(std::uint64_t key, std::uint32_t buckets);

/// This instance's place among the instances that share one configuration: `index` of
/// `count`, 0-based (`"0/2"` and `"1/2"`). A value type.
///
/// Each probe (by id) belongs to exactly one shard: shard_of(id, count) =
/// jump_consistent_hash(fnv1a64(id), count). Both functions are fixed, so every instance,
/// whatever its build or platform, agrees on the owner, and adding an instance moves about
/// 1/count of the probes.
struct Shard {
    std::uint32_t index = 0;
    std::uint32_t count = 1;

    /// Whether this shard runs the item with this id.
    [[nodiscard]] bool owns(std::string_view id) const;
    /// More than one instance shares the work.
    [[nodiscard]] bool sharded() const { return count > 1; }
    /// `"i/N"`.
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const Shard&, const Shard&) = default;
};

/// The largest number of shards accepted.
inline constexpr std::uint32_t kMaxShards = 1024;

/// The shard that owns `id` among `count` (at least 1).
[[nodiscard]] std::uint32_t shard_of(std::string_view id, std::uint32_t count);

/// Parses `"i/N"` (decimal, 0 <= i < N <= kMaxShards). Errors (Errc::invalid_argument) say
/// what is wrong in words a config error or a usage message can show.
[[nodiscard]] Result<Shard> parse_shard(std::string_view text);

}  // namespace noctua::core
