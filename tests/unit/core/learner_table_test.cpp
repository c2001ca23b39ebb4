// LearnerTable against a model (a map of Learner records by id): random upserts of thousands of
// learners — moves between accounts, changed emails and aliases, identical re-sends, ids only
// mentioned before their record — in id order and in any order, checked with copies: every lookup,
// every account's list and the whole table in id order, and who holds each alias.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/learner_table.h"

using namespace uplift;

namespace {

struct Gen {
  std::mt19937 rng;
  int ids;
  explicit Gen(unsigned seed, int ids) : rng(seed), ids(ids) {}
  int pick(int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); }
  std::string id() { return "l" + std::to_string(pick(ids)); }
  Learner learner(const std::string& id) {
    Learner l;
    l.id = id;
    l.account = "a" + std::to_string(pick(40));
    if (pick(3)) l.email = (pick(2) ? "P" : "p") + std::to_string(pick(ids / 2)) + "@x.example";  // shared, any case
    l.role = pick(3) ? std::string(pick(2) ? "admin" : "builder") : "";
    l.access_level = pick(2) ? "full" : "";
    if (pick(2)) l.created_at = 1'700'000'000'000 + pick(1'000'000);
    if (pick(5) == 0) l.departed_at = 1'760'000'000'000 + pick(1'000);
    if (pick(4) == 0) l.audience = static_cast<Audience>(pick(4));
    for (int k = pick(3); k > 0; --k) l.aliases.push_back("skilljar:" + std::to_string(pick(60)));
    std::sort(l.aliases.begin(), l.aliases.end());
    l.aliases.erase(std::unique(l.aliases.begin(), l.aliases.end()), l.aliases.end());
    return l;
  }
};

bool model_holds(const Learner& l, const std::string& alias) {
  return std::binary_search(l.aliases.begin(), l.aliases.end(), alias) || (!l.email.empty() && email_alias(l.email) == alias);
}

void check(const LearnerTable& t, const std::map<std::string, Learner>& model, Gen& g) {
  REQUIRE(t.size() == model.size());
  // The whole table in id order, record by record.
  auto it = model.begin();
  std::size_t n = 0;
  for (LearnerRef l : t.in_id_order()) {
    REQUIRE(it != model.end());
    CHECK(l.id() == it->first);
    CHECK(l.record() == it->second);
    CHECK(l == t.ref(t.find(it->first)));
    ++it, ++n;
  }
  CHECK(n == model.size());
  // Lookups, also of ids never seen.
  for (int i = 0; i < g.ids + 10; ++i) {
    const std::string id = "l" + std::to_string(i);
    auto m = model.find(id);
    const std::uint32_t code = t.find(id);
    CHECK((code != LearnerTable::kNone) == (m != model.end()));
    if (code != LearnerTable::kNone) CHECK(t.ref(code).record() == m->second);
  }
  // Every account's learners in id order, and the accounts that have any.
  std::map<std::string, std::vector<std::string>> by_account;
  for (const auto& [id, l] : model) by_account[l.account].push_back(id);
  std::vector<std::string> accounts;
  for (const auto& [a, ids] : by_account) accounts.push_back(a);
  CHECK(t.accounts() == accounts);
  for (int a = 0; a < 41; ++a) {
    const std::string account = "a" + std::to_string(a);
    std::vector<std::string> got;
    for (LearnerRef l : t.of_account(account)) {
      CHECK(l.account() == account);
      got.emplace_back(l.id());
    }
    CHECK(got == by_account[account]);
  }
  // Who holds each alias: one holder, or ambiguous, or nobody — as asking every learner says.
  std::vector<std::string> aliases;
  for (int i = 0; i < 60; ++i) aliases.push_back("skilljar:" + std::to_string(i));
  for (int i = 0; i < g.ids / 2; ++i) aliases.push_back("email:p" + std::to_string(i) + "@x.example");
  std::map<std::string, std::set<std::string>> holders;  // asked of every learner once
  for (const auto& [id, l] : model) {
    for (const std::string& alias : aliases)
      if (alias.rfind("skilljar:", 0) == 0 && model_holds(l, alias)) holders[alias].insert(id);
    if (!l.email.empty()) holders[email_alias(l.email)].insert(id);
  }
  for (const std::string& alias : aliases) {
    const std::set<std::string>& want = holders[alias];
    bool ambiguous = false;
    const std::uint32_t code = t.by_alias(alias, &ambiguous);
    CHECK(ambiguous == (want.size() > 1));
    if (want.size() == 1) {
      REQUIRE(code != LearnerTable::kNone);
      CHECK(t.id_of(code) == *want.begin());
    } else {
      CHECK(code == LearnerTable::kNone);
    }
  }
}

// One upsert to both, checking what put() says about it.
void put(LearnerTable& t, std::map<std::string, Learner>& model, const Learner& l) {
  auto m = model.find(l.id);
  const bool same = m != model.end() && m->second == l;
  const std::string before = m == model.end() ? "" : m->second.account;
  std::string moved_from;
  CHECK(t.put(l, &moved_from) == !same);
  CHECK(moved_from == (before != l.account ? before : ""));
  model[l.id] = l;
}

// How many seeds the random-walk tests run. The AddressSanitizer job (unoptimized) checks memory,
// not coverage of the walk: two seeds there (all of them were most of its unit_core time); the
// release build runs every seed (unit_core is labelled `release`: ./run test runs it there too).
#ifdef __SANITIZE_ADDRESS__
constexpr unsigned kSeeds = 2;
#else
constexpr unsigned kSeeds = 6;
#endif

}  // namespace

TEST_CASE("the learner table answers as a map of records, one upsert at a time") {
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    Gen g(seed, 6000);  // more new learners than kRecentMax: the id order's runs merge
    LearnerTable t;
    std::map<std::string, Learner> model;
    for (int step = 0; step < 14000; ++step) {
      const std::string id = g.id();
      if (g.pick(20) == 0) {  // only mentioned (a completion ahead of its learner): no learner yet
        t.intern(id);
        continue;
      }
      auto m = model.find(id);
      put(t, model, m != model.end() && g.pick(4) == 0 ? m->second : g.learner(id));  // identical re-sends too
      if (step % 3500 == 3499) {
        check(t, model, g);
        const LearnerTable copy(t);
        check(copy, model, g);
      }
    }
    check(t, model, g);
  }
}

TEST_CASE("learners arriving in id order (a store's scan), then out of order, stay in id order") {
  for (unsigned seed = 1; seed <= std::min(kSeeds, 4u); ++seed) {
    CAPTURE(seed);
    Gen g(seed + 100, 9000);
    LearnerTable t;
    std::map<std::string, Learner> model;
    std::vector<std::string> ids;
    for (int i = 0; i < 9000; i += 1 + g.pick(3)) ids.push_back("l" + std::to_string(i));
    std::sort(ids.begin(), ids.end());
    for (const std::string& id : ids) put(t, model, g.learner(id));
    check(t, model, g);
    for (int step = 0; step < 6000; ++step) put(t, model, g.learner(g.id()));  // past kRecentMax new ones
    check(t, model, g);
  }
}

TEST_CASE("an id mentioned first is a learner only once its record arrives") {
  LearnerTable t;
  const std::uint32_t code = t.intern("jane");
  CHECK(t.code_of("jane") == code);
  CHECK(t.find("jane") == LearnerTable::kNone);
  CHECK(!t.present(code));
  CHECK(t.size() == 0);
  CHECK(t.in_id_order().begin() == t.in_id_order().end());
  Learner jane;
  jane.id = "jane";
  jane.account = "acme";
  jane.email = "Jane@Example.com";
  CHECK(t.put(jane));
  CHECK(t.find("jane") == code);  // the code it was mentioned under
  CHECK(t.ref(code).holds_alias("email:jane@example.com"));
  CHECK(!t.ref(code).holds_alias("email:Jane@Example.com"));
  CHECK(t.ref(code).email() == "Jane@Example.com");
  CHECK(!t.put(jane));  // identical
}

TEST_CASE("the alias index makes room for a learner with many aliases and stays sized to the live ones") {
  LearnerTable t;
  Learner many;
  many.id = "many";
  many.account = "acme";
  many.email = "many@example.com";
  for (int i = 0; i < 64; ++i) many.aliases.push_back(fmt::format("skilljar:{:03}", i));  // the records' limit
  REQUIRE(t.put(many));  // the first learner: 65 aliases into an empty index
  for (const std::string& a : many.aliases) CHECK(t.by_alias(a, nullptr) == t.find("many"));
  CHECK(t.by_alias("email:many@example.com", nullptr) == t.find("many"));
  CHECK(t.by_alias("skilljar:none", nullptr) == LearnerTable::kNone);
  // A learner whose email changes again and again: the stale slots do not pile up.
  Learner churn;
  churn.id = "churn";
  churn.account = "acme";
  for (int i = 0; i < 20000; ++i) {
    churn.email = fmt::format("v{}@example.com", i);
    REQUIRE(t.put(churn));
  }
  CHECK(t.alias_slots() <= 1024);
  CHECK(t.by_alias("email:v19999@example.com", nullptr) == t.find("churn"));
  CHECK(t.by_alias("email:v0@example.com", nullptr) == LearnerTable::kNone);
}
