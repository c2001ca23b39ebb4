// Cohort persistence over the Store interface (app/cohort_store.h): documents, immutability once
// sent, and compare-and-swap against another process's write.
#include <doctest/doctest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "app/cohort_store.h"

using namespace uplift;

namespace {

// An in-memory Store: just enough for the cohort documents.
class DocStore : public Store {
 public:
  std::map<std::pair<std::string, std::string>, Document> docs;
  Result<WriteResult> write(std::span<const Record>) override { return WriteResult{}; }
  Status scan_since(Sequence, std::size_t, const std::function<bool(const StoredRecord&)>&) override { return {}; }
  Status scan_kind(RecordKind, const std::function<bool(const StoredRecord&)>&) override { return {}; }
  Result<Sequence> last_sequence() override { return Sequence{0}; }
  Result<StoredRecord> get(RecordKind, std::string_view) override { return Status::NotFound("no"); }
  Status put_document(const Document& d) override {
    docs[{d.collection, d.key}] = d;
    return {};
  }
  Status put_documents(std::span<const Document> ds) override {
    for (const auto& d : ds) docs[{d.collection, d.key}] = d;
    return {};
  }
  Result<bool> apply_documents(const DocumentChanges& ch) override {
    for (const auto& e : ch.expect) {
      auto it = docs.find({e.collection, e.key});
      if ((it == docs.end() ? std::optional<std::string>() : it->second.body) != e.body) return false;
    }
    for (const auto& d : ch.put) docs[{d.collection, d.key}] = d;
    for (const auto& k : ch.erase) docs.erase(k);
    return true;
  }
  Result<Document> get_document(std::string_view c, std::string_view k) override {
    auto it = docs.find({std::string(c), std::string(k)});
    if (it == docs.end()) return Status::NotFound("no document");
    return it->second;
  }
  Status delete_document(std::string_view c, std::string_view k) override {
    docs.erase({std::string(c), std::string(k)});
    return {};
  }
  Status scan_documents(std::string_view c, const std::function<bool(const Document&)>& visit) override {
    for (const auto& [key, d] : docs)
      if (key.first == c && !visit(d)) break;
    return {};
  }
  Result<std::vector<std::string>> document_collections() override { return std::vector<std::string>{"cohorts"}; }
  Result<StoreCounts> counts() override { return StoreCounts{}; }
  Result<int> schema_version() override { return 1; }
  Status ping() override { return {}; }
  std::string describe() const override { return "memory"; }
};

}  // namespace

TEST_CASE("cohorts persist as Store documents and are immutable once sent") {
  DocStore store;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  c.holdout = {"a2"};
  REQUIRE(app::save_cohort(store, c, 1).ok());
  CHECK(store.docs.count({"cohorts", "c1"}) == 1);
  c.invitees.push_back({"a3", {}, "", ""});
  REQUIRE(app::save_cohort(store, c, 2).ok());  // proposed: may change
  auto sent = app::send_cohort(store, "c1", 3);
  REQUIRE(sent.ok());
  CHECK(sent->status == cohorts::CohortStatus::kSent);
  auto changed = *sent;
  changed.holdout.clear();
  CHECK(app::save_cohort(store, changed, 4).code() == Code::kFailedPrecondition);
  CHECK(app::save_cohort(store, *sent, 5).ok());  // identical: fine
  auto all = app::load_cohorts(store);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].invitees.size() == 2);
  CHECK(app::get_cohort(store, "nope").status().code() == Code::kNotFound);
  store.docs[{"cohorts", "bad"}] = {"cohorts", "bad", "{\"id\":\"bad\"}", 0};
  auto broken = app::load_cohorts(store);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message().find("cohort document 'bad'") != std::string::npos);
}

// Another process sends the cohort between this one's read and its write: the write must not
// land over the sent cohort (it would un-send it, or change who was invited after the fact).
namespace {
// A DocStore in which, once armed, right after the first read of an existing cohort "another
// process" sends it: the reader holds the version from before the send.
struct SentOnFirstRead : DocStore {
  bool armed = true, raced = false;
  Result<Document> get_document(std::string_view c, std::string_view k) override {
    auto d = DocStore::get_document(c, k);
    if (armed && !raced && d.ok()) {
      raced = true;
      auto theirs = nlohmann::json::parse(d->body);
      theirs["status"] = "sent";
      docs[{std::string(c), std::string(k)}].body = theirs.dump();
    }
    return d;
  }
};
}  // namespace

TEST_CASE("a cohort sent by another process meanwhile is not overwritten by a stale save") {
  SentOnFirstRead store;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  REQUIRE(app::save_cohort(store, c, 1).ok());
  store.raced = false;
  auto changed = c;
  changed.invitees.push_back({"a3", {}, "", ""});
  Status st = app::save_cohort(store, changed, 2);
  CHECK(store.raced);
  CHECK(st.code() == Code::kFailedPrecondition);  // it read again, found it sent: immutable
  auto now = app::get_cohort(store, "c1");
  REQUIRE(now.ok());
  CHECK(now->status == cohorts::CohortStatus::kSent);
  CHECK(now->invitees.size() == 1);
}

// DELETE /v1/cohorts/{id}: only a proposed cohort, and never one sent between the read and the
// delete (by this process or another) — its holdout is an experiment record.
TEST_CASE("a cohort is deleted only while proposed, and not when it was sent meanwhile") {
  SentOnFirstRead store;
  store.armed = false;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  REQUIRE(app::save_cohort(store, c, 1).ok());
  c.id = "c2";
  REQUIRE(app::save_cohort(store, c, 1).ok());
  CHECK(app::delete_cohort(store, "c1").ok());
  CHECK(app::get_cohort(store, "c1").status().code() == Code::kNotFound);
  CHECK(app::delete_cohort(store, "c1").code() == Code::kNotFound);
  store.armed = true;
  Status st = app::delete_cohort(store, "c2");
  CHECK(store.raced);
  CHECK(st.code() == Code::kFailedPrecondition);  // read again: sent, so kept
  auto kept = app::get_cohort(store, "c2");
  REQUIRE(kept.ok());
  CHECK(kept->status == cohorts::CohortStatus::kSent);
}
