// Seeded randomness that gives the same answer on every platform.
//
// The C++ standard fixes std::mt19937_64's output sequence but not what std::uniform_int_distribution
// or std::shuffle do with it, so uplift only ever uses the engine's raw 64-bit output and maps it to
// an index here (rejection sampling, no modulo bias). Cohort holdouts and bootstrap resamples are
// therefore reproducible from their recorded seed.
#pragma once

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
