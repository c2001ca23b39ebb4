// Rng: the demo generator's only source of randomness, identical on every platform.
//
// std::uniform_*_distribution and friends are implementation-defined (libstdc++ and libc++ give
// different draws from the same engine), so every distribution here is computed from the raw
// std::mt19937_64 output with portable arithmetic. The same seed therefore yields the same demo
// data byte for byte. `derive` splits independent streams (per account, per purpose) from one
// seed so that one account's draws never shift another's.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace uplift::demo {

// splitmix64 finaliser: a well-mixed 64-bit value from a seed and a stream label.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline std::uint64_t derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0) {
  return mix(mix(mix(seed) ^ a) ^ (b * 0x2545f4914f6cdd1dULL));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t bits() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive), by rejection so it is exactly uniform.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(engine_());
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    std::uint64_t x;
    do x = engine_();
    while (x >= limit);
    return lo + static_cast<std::int64_t>(x % span);
  }
  bool bernoulli(double p) { return uniform() < p; }
  // Standard normal by Box-Muller (one value per call; simple beats fast here).
  double normal(double mean = 0, double sd = 1) {
    double u1 = 1.0 - uniform();  // (0, 1]
    double u2 = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Poisson count: Knuth's product method for small means, a rounded normal for large ones.
  std::int64_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 40) {
      double x = std::floor(normal(mean, std::sqrt(mean)) + 0.5);
      return x < 0 ? 0 : static_cast<std::int64_t>(x);
    }
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double p = uniform();
    while (p > limit) {
      ++k;
      p *= uniform();
    }
    return k;
  }
  // Trials until the first success (>= 1) with success probability p per trial.
  std::int64_t geometric(double p) {
    if (p >= 1) return 1;
    if (p <= 0) return INT64_MAX / 4;
    double u = 1.0 - uniform();  // (0, 1]
    return 1 + static_cast<std::int64_t>(std::floor(std::log(u) / std::log1p(-p)));
  }
  // An index drawn with probability proportional to weights[i].
  std::size_t weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(items.size()) - 1))];
  }
  // Fisher-Yates with our own uniform_int (std::shuffle is implementation-defined).
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(i) - 1));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::mt19937_64 engine_;  // the engine's output sequence is fixed by the standard
};

}  // namespace uplift::demo
