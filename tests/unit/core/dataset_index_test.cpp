// Dataset's id lookups go through hash indexes over its ordered maps: they must find every
// account and learner the maps hold, after upserts, learners moving accounts, copies and moves —
// a copy's lookups must point into the copy, never into the original.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "core/dataset.h"

using namespace uplift;

namespace {
Account account(const std::string& id, const std::string& name) {
  Account a;
  a.id = id;
  a.name = name;
  return a;
}
Learner learner(const std::string& id, const std::string& acct) {
  Learner l;
  l.id = id;
  l.account = acct;
  return l;
}
// Every lookup agrees with the ordered maps, record by record (same object, not just equal).
void check_lookups(const Dataset& d) {
  for (const auto& [id, a] : d.accounts()) CHECK(d.account(id) == &a);
  std::string previous;
  for (LearnerRef l : d.learners()) {
    CHECK(d.learner(l.id()) == l);  // the same learner of the same table
    CHECK(previous < l.id());       // in id order
    previous = std::string(l.id());
    bool listed = false;
    for (LearnerRef x : d.learners_of(l.account())) listed = listed || x == l;
    CHECK(listed);
  }
  CHECK(d.account("nobody") == nullptr);
  CHECK(d.learner("nobody") == nullptr);
}
}  // namespace

TEST_CASE("lookups find every record after upserts and moves between accounts") {
  Dataset d;
  for (int i = 0; i < 200; ++i) {
    d.apply(Record(account("a" + std::to_string(i % 20), "n" + std::to_string(i))));
    d.apply(Record(learner("l" + std::to_string(i % 50), "a" + std::to_string(i % 7))));
  }
  CHECK(d.accounts().size() == 20);
  CHECK(d.learners().size() == 50);
  check_lookups(d);
  CHECK(d.account("a3")->name == "n183");
  CHECK(d.learner("l10")->account() == "a" + std::to_string(160 % 7));
}

TEST_CASE("a copy's lookups point into the copy; a moved dataset keeps working") {
  auto original = std::make_unique<Dataset>();
  for (int i = 0; i < 30; ++i) {
    original->apply(Record(account("a" + std::to_string(i), "x")));
    original->apply(Record(learner("l" + std::to_string(i), "a" + std::to_string(i / 3))));
  }
  Dataset copy(*original);
  Dataset assigned;
  assigned = *original;
  original->apply(Record(learner("l0", "a29")));  // the original changes; the copies do not
  original.reset();                                // and then is gone
  for (const Dataset* d : {&copy, &assigned}) {
    check_lookups(*d);
    CHECK(d->learner("l0")->account() == "a0");
    CHECK(d->learners_of("a0").size() == 3);
  }
  Dataset moved(std::move(copy));
  check_lookups(moved);
  moved.apply(Record(learner("l99", "a1")));
  check_lookups(moved);
  CHECK(moved.learners_of("a1").size() == 4);
}
