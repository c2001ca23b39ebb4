// Seeded randomness that gives the same answer on every platform.
//
// The C++ standard fixes std::mt19937_64's output sequence but not what std::uniform_int_distribution
// or std::shuffle do with it, so uplift only ever uses the engine's raw 64-bit output and maps it to
// an index here (rejection sampling, no modulo bias). Cohort holdouts and bootstrap resamples are
// therefore reproducible from their recorded seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace uplift::cohorts {

// A uniformly distributed index in [0, n); n > 0.
inline std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);  // largest multiple of n (exclusive)
  std::uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

// SplitMix64 (Steele, Lea & Flood 2014; Java's SplittableRandom): a 64-bit counter through a
// mixing function. Passes BigCrush; a few multiplies per number and an 8-byte state that costs
// nothing to seed, where std::mt19937_64 fills 312 words per seed. The bootstrap seeds one per
// resample and draws tens of millions of numbers per report. A UniformRandomBitGenerator.
class SplitMix64 {
 public:
  using result_type = std::uint64_t;
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// The same distribution as uniform_index (and the same on every platform), without its two
// divisions per draw: Lemire's multiply-shift with rejection ("Fast random integer generation in an
// interval", 2019). A different sequence from uniform_index for the same engine state: the
// bootstrap uses it; cohort holdouts keep uniform_index.
template <typename Engine>
std::size_t uniform_index_fast(Engine& rng, std::size_t n) {
  static_assert(Engine::min() == 0 && Engine::max() == UINT64_MAX, "needs 64 raw bits per call");
  using u128 = unsigned __int128;
  const auto n64 = static_cast<std::uint64_t>(n);
  u128 m = static_cast<u128>(rng()) * n64;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n64) {
    const std::uint64_t threshold = (0 - n64) % n64;  // 2^64 mod n
    while (low < threshold) {
      m = static_cast<u128>(rng()) * n64;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::size_t>(m >> 64);
}

// Fisher–Yates from the back, with uniform_index.
template <typename T>
void seeded_shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    std::size_t j = static_cast<std::size_t>(uniform_index(rng, i));
    std::swap(v[i - 1], v[j]);
  }
}

// FNV-1a: a stable default seed derived from text (e.g. the cohort id).
inline std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace uplift::cohorts
