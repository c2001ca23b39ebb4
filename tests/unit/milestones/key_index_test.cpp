// KeyIndex (the distinct-key table behind distinct-count criteria) against a std::unordered_map
// reference: same "new or seen" answers and dense first-appearance numbers, for keys of every
// length around the packed-word boundaries (3/4, 7/8, 16/17 bytes) and long keys that differ only
// in the middle, which the packed words do not cover.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "milestones/key_index.h"

using uplift::milestones::detail::KeyIndex;

namespace {

std::vector<std::string> awkward_keys() {
  std::vector<std::string> keys = {"", "a", "b", "ab", "ba", "abc", "abcd", "abce", "bbcd", "l1234567", "l1234568"};
  for (std::size_t n = 0; n <= 40; ++n) {
    keys.push_back(std::string(n, 'x'));
    keys.push_back(std::string(n, 'x') + "y");
    if (n >= 3) {  // same first and last bytes, one byte different in the middle
      std::string mid(n, 'x');
      mid[n / 2] = 'm';
      keys.push_back(mid);
    }
  }
  // Same length, same first 8 and last 8 bytes, different middles.
  keys.push_back("prefix__AAAAAAAA_suffix_");
  keys.push_back("prefix__BBBBBBBB_suffix_");
  keys.push_back(std::string("a\0b", 3));  // embedded NUL: a different key from "a"
  keys.push_back(std::string("a\0c", 3));
  return keys;
}

}  // namespace

TEST_CASE("KeyIndex numbers keys as a hash map would, across the packing boundaries") {
  std::vector<std::string> keys = awkward_keys();
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) keys.push_back("l" + std::to_string(rng() % 500));  // repeats
  for (int i = 0; i < 300; ++i) keys.push_back(keys[rng() % keys.size()]);

  KeyIndex index;
  for (int round = 0; round < 2; ++round) {  // the second round checks clear() leaves nothing behind
    std::unordered_map<std::string, std::uint32_t> reference;
    for (const auto& k : keys) {
      bool inserted = false;
      std::uint32_t got = index.intern(k, inserted);
      auto [it, fresh] = reference.try_emplace(k, static_cast<std::uint32_t>(reference.size()));
      CHECK_MESSAGE(inserted == fresh, "key '" << k << "' (" << k.size() << " bytes)");
      CHECK_MESSAGE(got == it->second, "key '" << k << "' (" << k.size() << " bytes)");
    }
    CHECK(index.size() == reference.size());
    index.clear();
    CHECK(index.size() == 0);
  }
}

TEST_CASE("KeyIndex grows past its first table and releases a large one on clear") {
  KeyIndex index;
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) keys.push_back("learner-" + std::to_string(i));
  bool inserted = false;
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(index.intern(keys[i], inserted) == i);
  for (std::size_t i = 0; i < keys.size(); i += 997) {
    CHECK(index.intern(keys[i], inserted) == i);
    CHECK_FALSE(inserted);
  }
  index.clear();
  CHECK(index.intern("learner-5", inserted) == 0);
  CHECK(inserted);
}
