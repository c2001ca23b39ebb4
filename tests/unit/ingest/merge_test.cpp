// merge_upsert: a partial account or learner changes only the fields it names.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "core/record_json.h"
#include "ingest/merge.h"

using namespace uplift;
using nlohmann::json;

namespace {
Record parse(const json& j) {
  auto r = record_from_json(j);
  REQUIRE_MESSAGE(r.ok(), j.dump());
  return *r.record;
}
}  // namespace

TEST_CASE("a group with only a name keeps the account's plan, tier, ARR and audience") {
  Record stored = parse({{"kind", "account"}, {"id", "acme"}, {"name", "Acme"}, {"plan", "trial"}, {"tier", "smb"},
                         {"arr", 0}, {"audience", "trial"}, {"csm", "ana"}});
  auto m = ingest::merge_upsert(&stored, {{"kind", "account"}, {"id", "acme"}, {"name", "Acme Inc"}});
  REQUIRE(m.ok());
  const auto& a = std::get<Account>(*m.record);
  CHECK(a.name == "Acme Inc");
  CHECK(a.plan == "trial");
  CHECK(a.tier == "smb");
  CHECK(a.arr == 0.0);
  CHECK(a.audience == Audience::kTrial);
  CHECK(a.csm == "ana");
  // null clears a field; naming the audience changes it.
  m = ingest::merge_upsert(&*m.record, {{"kind", "account"}, {"id", "acme"}, {"csm", nullptr}, {"audience", "customer"}});
  REQUIRE(m.ok());
  CHECK(std::get<Account>(*m.record).csm.empty());
  CHECK(std::get<Account>(*m.record).audience == Audience::kCustomer);
  // Without a stored record the record is the one sent (the audience defaults to customer).
  auto fresh = ingest::merge_upsert(nullptr, {{"kind", "account"}, {"id", "new"}, {"name", "New"}});
  REQUIRE(fresh.ok());
  CHECK(std::get<Account>(*fresh.record).audience == Audience::kCustomer);
}

TEST_CASE("an identify with only an email keeps the learner's role, access level and created_at") {
  Record stored = parse({{"kind", "learner"}, {"id", "u1"}, {"account", "acme"}, {"email", "a@x.io"}, {"role", "admin"},
                         {"access_level", "owner"}, {"created_at", "2026-01-02T03:04:05Z"}, {"audience", "partner"}});
  auto m = ingest::merge_upsert(&stored, {{"kind", "learner"}, {"id", "u1"}, {"account", "acme"}, {"email", "b@x.io"}});
  REQUIRE(m.ok());
  const auto& l = std::get<Learner>(*m.record);
  CHECK(l.email == "b@x.io");
  CHECK(l.role == "admin");
  CHECK(l.access_level == "owner");
  CHECK(l.created_at == std::get<Learner>(stored).created_at);
  CHECK(l.audience == std::optional<Audience>(Audience::kPartner));
  // A learner moving accounts names its new account.
  m = ingest::merge_upsert(&*m.record, {{"kind", "learner"}, {"id", "u1"}, {"account", "globex"}});
  REQUIRE(m.ok());
  CHECK(std::get<Learner>(*m.record).account == "globex");
  CHECK(std::get<Learner>(*m.record).role == "admin");
}

TEST_CASE("property: after any sequence of partial upserts each field holds the last value sent for it") {
  // The audience in particular changes only when an upsert names it.
  const std::map<std::string, std::vector<json>> values = {
      {"name", {"A", "B", "C"}},
      {"plan", {"trial", "business", "enterprise", nullptr}},
      {"tier", {"smb", "midmarket", "upmarket", nullptr}},
      {"arr", {0, 1200, 99000.5, nullptr}},
      {"csm", {"ana", "bo", nullptr}},
      {"renewal_date", {"2027-01-31", "2027-06-30", nullptr}},
      {"audience", {"customer", "trial", "partner", "employee"}},
  };
  std::mt19937_64 rng(20261205);
  for (int run = 0; run < 300; ++run) {
    json model = {{"kind", "account"}, {"id", "acct"}, {"name", "Start"}, {"audience", "trial"}, {"plan", "trial"}};
    Record stored = parse(model);
    for (int step = 0; step < 12; ++step) {
      json sent = {{"kind", "account"}, {"id", "acct"}};
      for (const auto& [field, choices] : values)
        if (rng() % 3 == 0) sent[field] = choices[rng() % choices.size()];
      auto m = ingest::merge_upsert(&stored, sent);
      REQUIRE_MESSAGE(m.ok(), sent.dump());
      for (auto it = sent.begin(); it != sent.end(); ++it) model[it.key()] = it.value();
      stored = *m.record;
      const json got = record_to_json(stored), want = record_to_json(parse(model));
      REQUIRE_MESSAGE(got == want, "run ", run, " step ", step, ": sent ", sent.dump(), " got ", got.dump());
    }
  }
}

TEST_CASE("property: canonical partial records (any fields named) leave every audience alone unless they name it") {
  // The canonical path (POST /v1/records, uplift import): a record parsed with the fields it named,
  // merged over the stored one. Learners and accounts of all four audiences; random partial
  // updates; an audience changes only on a record that names it.
  const std::vector<json> audiences = {"customer", "trial", "partner", "employee"};
  const std::map<std::string, std::vector<json>> learner_values = {
      {"email", {"a@example.com", "b@example.com", nullptr}},
      {"role", {"admin", "builder", "viewer", nullptr}},
      {"access_level", {"full", "limited", nullptr}},
      {"created_at", {"2026-01-01T00:00:00Z", "2026-05-01T08:30:00Z", nullptr}},
      {"audience", audiences},
      {"departed_at", {"2026-09-01T00:00:00Z", nullptr}},
      {"aliases", {json::array({"skilljar:3456789hijklmno"}), json::array({"docebo:12", "xapi:mailto:a@example.com"}), nullptr}},
  };
  std::mt19937_64 rng(7);
  for (int run = 0; run < 300; ++run) {
    json model = {{"kind", "learner"}, {"id", "l"}, {"account", "a"}, {"audience", audiences[rng() % 4]}};
    Record stored = parse(model);
    for (int step = 0; step < 12; ++step) {
      json sent = {{"kind", "learner"}, {"id", "l"}, {"account", "a"}};
      for (const auto& [field, choices] : learner_values)
        if (rng() % 3 == 0) sent[field] = choices[rng() % choices.size()];
      auto parsed = record_from_json(sent);
      REQUIRE(parsed.ok());
      const bool names_all = sent.size() == 10;  // kind + the 9 fields
      CHECK((parsed.fields == kAllFields) == names_all);
      const json before = record_to_json(stored);
      auto m = ingest::merge_upsert(&stored, *parsed.record, parsed.fields);
      REQUIRE(m.ok());
      stored = *m.record;
      for (auto it = sent.begin(); it != sent.end(); ++it) model[it.key()] = it.value();
      const json got = record_to_json(stored);
      REQUIRE_MESSAGE(got == record_to_json(parse(model)), "sent ", sent.dump(), " got ", got.dump());
      if (!sent.contains("audience")) CHECK(got.value("audience", json()) == before.value("audience", json()));
    }
  }
}

TEST_CASE("a canonical account naming only its name keeps a trial account a trial (the finding, by the import path)") {
  Record stored = parse({{"kind", "account"}, {"id", "t"}, {"name", "Trial Co"}, {"plan", "trial"},
                         {"tier", "smb"}, {"arr", 0}, {"audience", "trial"}});
  auto sent = record_from_json(json{{"kind", "account"}, {"id", "t"}, {"name", "Trial Company"}});
  REQUIRE(sent.ok());
  CHECK(sent.fields != kAllFields);
  auto m = ingest::merge_upsert(&stored, *sent.record, sent.fields);
  REQUIRE(m.ok());
  const auto& a = std::get<Account>(*m.record);
  CHECK(a.name == "Trial Company");
  CHECK(a.audience == Audience::kTrial);
  CHECK(a.plan == "trial");
  CHECK(a.tier == "smb");
  REQUIRE(a.arr);
  CHECK(*a.arr == 0);
  // Nothing stored yet: the record as sent, with the contract's defaults.
  auto fresh = ingest::merge_upsert(nullptr, *sent.record, sent.fields);
  REQUIRE(fresh.ok());
  CHECK(std::get<Account>(*fresh.record).audience == Audience::kCustomer);
}
