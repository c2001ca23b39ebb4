// KeyIndex: dense numbers (0, 1, … in order of first appearance) for the distinct keys met during
// one pass over an account's events — the evaluator's distinct-count criteria (learners, prop
// values) ask it "seen before?" once per event. Internal to the milestones module.
//
// Keys are views: the caller keeps the text alive while the index is used (the account's events,
// which do not change during a pass). An open-addressing table; keys of up to 16 bytes are kept
// packed in two words, so a lookup compares words instead of chasing the view, and longer keys
// fall back to comparing their text. clear() keeps the storage for the next pass.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

namespace uplift::milestones::detail {

class KeyIndex {
 public:
  // The key's number; `inserted` tells whether it is new.
  std::uint32_t intern(std::string_view key, bool& inserted) {
    if ((keys_.size() + 1) * 4 > slots_.size() * 3) grow();
    Packed k = pack(key);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t at = k.hash & mask;; at = (at + 1) & mask) {
      std::uint32_t slot = slots_[at];
      if (slot == 0) {
        keys_.push_back(k);
        slots_[at] = static_cast<std::uint32_t>(keys_.size());
        inserted = true;
        return slots_[at] - 1;
      }
      if (keys_[slot - 1].same(k)) {
        inserted = false;
        return slot - 1;
      }
    }
  }
  std::size_t size() const { return keys_.size(); }
  // Forgets every key. A table grown large for one big account is released rather than wiped
  // for each of the small ones after it.
  void clear() {
    if (slots_.size() > 4096) {
      slots_ = {};
      keys_ = {};
    } else {
      std::fill(slots_.begin(), slots_.end(), 0);
      keys_.clear();
    }
  }

 private:
  struct Packed {
    std::uint64_t w0 = 0, w1 = 0;  // keys of up to 16 bytes: all of it (see pack)
    std::uint64_t hash = 0;
    std::string_view text;
    bool same(const Packed& o) const {
      return w0 == o.w0 && w1 == o.w1 && text.size() == o.text.size() && (text.size() <= 16 || text == o.text);
    }
  };
  std::vector<Packed> keys_;
  std::vector<std::uint32_t> slots_;  // size a power of two; 0 = empty, else key number + 1

  static std::uint64_t load8(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static std::uint32_t load4(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  // With the length, (w0, w1) determine a key of up to 16 bytes: 8..16 bytes are the first and the
  // last eight (overlapping), 4..7 the first and last four, shorter ones byte by byte.
  static Packed pack(std::string_view key) {
    Packed k;
    k.text = key;
    const char* p = key.data();
    std::size_t n = key.size();
    if (n >= 8) {
      k.w0 = load8(p);
      k.w1 = load8(p + n - 8);
    } else if (n >= 4) {
      k.w0 = load4(p) | (std::uint64_t{load4(p + n - 4)} << 32);
    } else {
      for (std::size_t i = 0; i < n; ++i) k.w0 |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    }
    std::uint64_t h = n <= 16 ? k.w0 ^ (k.w1 * 0x9E3779B97F4A7C15ULL) ^ n : std::hash<std::string_view>{}(key);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;  // splitmix64's finaliser: every bit reaches the low ones
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    k.hash = h ^ (h >> 31);
    return k;
  }
  void grow() {
    slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t k = 0; k < keys_.size(); ++k) {
      std::size_t at = keys_[k].hash & mask;
      while (slots_[at] != 0) at = (at + 1) & mask;
      slots_[at] = static_cast<std::uint32_t>(k + 1);
    }
  }
};

}  // namespace uplift::milestones::detail
