#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace noctua::sim {

/// A small deterministic random generator (xoshiro256**, seeded through splitmix64).
/// Unlike std:: distributions its output is the same with every standard library, so a seed
/// gives the same simulation on every machine. Not thread-safe; one per owner.
class Rng {
public:
    explicit Rng(std::uint64_t seed);

    /// The next 64 random bits.
    [[nodiscard]] std::uint64_t next();
    /// Uniform in [0, 1).
    [[nodiscard]] double uniform();
    /// Uniform integer in [0, n); n must be > 0.
    [[nodiscard]] std::uint64_t below(std::uint64_t n);
    /// True with probability p.
    [[nodiscard]] bool chance(double p) { return uniform() < p; }
    /// Exponentially distributed with the given rate (> 0).
    [[nodiscard]] double exponential(double rate);
    /// Standard normal (Box-Muller).
    [[nodiscard]] double normal();
    /// Log-normal with the given median and shape sigma.
    [[nodiscard]] double lognormal(double median, double sigma);
    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    [[nodiscard]] std::size_t weighted(std::span<const double> weights);

    /// An independent generator derived from this one's seed and `stream`; the parent's state
    /// is not advanced, so adding a stream never changes another stream's output.
    [[nodiscard]] static Rng derive(std::uint64_t seed, std::uint64_t stream);

private:
    std::uint64_t s_[4];
};

}  // namespace noctua::sim
