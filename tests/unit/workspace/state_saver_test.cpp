// The state saver (app/workspace.h): changed states reach the "milestone_state" documents without
// the ingest waiting for them; a failed save loses nothing and is retried; closing the workspace
// saves what is left. Runs over a real SQLite store; the failure is injected by a wrapper that
// forwards everything to it and refuses document writes while told to.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support.h"
#include "milestones/state_json.h"

using namespace uplift;

namespace {

// A real store whose document writes fail while `refuse` is set (a database outage for them).
class RefusingDocuments final : public Store {
 public:
  explicit RefusingDocuments(std::unique_ptr<Store> real) : real_(std::move(real)) {}
  std::atomic<bool> refuse{false};

  Result<WriteResult> write(std::span<const Record> records) override { return real_->write(records); }
  Status scan_since(Sequence after, std::size_t limit, const std::function<bool(const StoredRecord&)>& visit) override {
    return real_->scan_since(after, limit, visit);
  }
  Status scan_kind(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) override {
    return real_->scan_kind(kind, visit);
  }
  Result<Sequence> last_sequence() override { return real_->last_sequence(); }
  Result<StoredRecord> get(RecordKind kind, std::string_view key) override { return real_->get(kind, key); }
  Status put_document(const Document& doc) override {
    return refuse ? Status::Unavailable("documents refused") : real_->put_document(doc);
  }
  Status put_documents(std::span<const Document> docs) override {
    return refuse ? Status::Unavailable("documents refused") : real_->put_documents(docs);
  }
  Result<bool> apply_documents(const DocumentChanges& changes) override {
    if (refuse) return Status::Unavailable("documents refused");
    return real_->apply_documents(changes);
  }
  Result<Document> get_document(std::string_view collection, std::string_view key) override {
    return real_->get_document(collection, key);
  }
  Status delete_document(std::string_view collection, std::string_view key) override {
    return real_->delete_document(collection, key);
  }
  Status scan_documents(std::string_view collection, const std::function<bool(const Document&)>& visit) override {
    return real_->scan_documents(collection, visit);
  }
  Result<std::vector<std::string>> document_collections() override { return real_->document_collections(); }
  Result<StoreCounts> counts() override { return real_->counts(); }
  Result<int> schema_version() override { return real_->schema_version(); }
  Status ping() override { return real_->ping(); }
  std::string describe() const override { return real_->describe(); }

 private:
  std::unique_ptr<Store> real_;
};

// An event of the one account these tests ingest.
Event acme_event(const std::string& id, int minute) { return workspace_testing::group_created(id, "acme", minute); }

Result<app::IngestSummary> ingest_records(app::Workspace& ws, std::vector<Record> records) {
  return ws.ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); });
}

// The stored state document of acme, or "" when there is none.
std::string stored_state(Store& store) {
  auto doc = store.get_document(milestones::kStateCollection, "acme");
  return doc.ok() ? doc->body : std::string();
}

std::string served_state(app::Workspace& ws) {
  const app::View view = ws.view();
  const auto* s = view.state("acme");
  return s ? milestones::to_json(*s).dump() : std::string();
}

}  // namespace

TEST_CASE("changed states are saved in the background; the ingest does not wait for them") {
  const workspace_testing::ScratchConfig dir("saver");
  auto ws = dir.open();
  Account acme;
  acme.id = "acme";
  acme.name = "Acme";
  REQUIRE(ingest_records(*ws, {acme, acme_event("e1", 0), acme_event("e2", 1)}).ok());
  const std::string want = served_state(*ws);
  REQUIRE_FALSE(want.empty());
  // The saver gets to it by itself (a liveness check, bounded: never a timing assertion).
  // (The document is written before the count moves: wait for both.)
  for (int i = 0; i < 200 && (stored_state(ws->store()) != want || ws->state_saves().saved == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(stored_state(ws->store()) == want);
  CHECK(ws->state_saves().saved >= 1);
  CHECK(ws->state_saves().failed == 0);
}

TEST_CASE("a failed state save loses nothing: the records are acknowledged, the state is saved once the store takes it") {
  const workspace_testing::ScratchConfig dir("saver");
  auto real = Store::open(dir.url());
  REQUIRE(real.ok());
  auto refusing = std::make_unique<RefusingDocuments>(std::move(*real));
  RefusingDocuments* store = refusing.get();
  app::WorkspaceOptions wo;
  wo.config_dir = dir.path.string();
  auto ws = app::Workspace::open(std::move(refusing), wo);
  REQUIRE_MESSAGE(ws.ok(), ws.status().to_string());
  Account acme;
  acme.id = "acme";
  acme.name = "Acme";
  store->refuse = true;
  auto r = ingest_records(**ws, {acme, acme_event("e1", 0)});
  REQUIRE(r.ok());  // the records are stored: the ingest succeeds whatever the state save does
  CHECK(r->inserted == 2);
  Status saved = (*ws)->save_states();
  CHECK(saved.code() == Code::kUnavailable);
  CHECK((*ws)->state_saves().failed >= 1);
  REQUIRE((*ws)->state_saves().last_failure.has_value());
  CHECK((*ws)->state_saves().failing);
  CHECK(stored_state(*store).empty());

  store->refuse = false;
  REQUIRE(ingest_records(**ws, {acme_event("e2", 1)}).ok());
  CHECK((*ws)->save_states().ok());
  CHECK(stored_state(*store) == served_state(**ws));
  CHECK_FALSE((*ws)->state_saves().failing);
  CHECK((*ws)->state_saves().last_failure.has_value());  // kept, for the log
}

TEST_CASE("closing the workspace saves the states not saved yet") {
  const workspace_testing::ScratchConfig dir("saver");
  std::string want;
  {
    auto ws = dir.open();
    Account acme;
    acme.id = "acme";
    acme.name = "Acme";
    REQUIRE(ingest_records(*ws, {acme, acme_event("e1", 0), acme_event("e2", 1), acme_event("e3", 2)}).ok());
    want = served_state(*ws);
  }  // closed at once: well within the saver's interval
  auto store = Store::open(dir.url());
  REQUIRE(store.ok());
  CHECK(stored_state(**store) == want);
}

// A workspace whose config does not load never got as far as its milestone states: going, it has
// nothing to save, and open() returns the config's problem (it crashed here, saving states it
// never had, when a destination's secret named an unset environment variable).
TEST_CASE("a workspace whose config does not load returns the problem and saves nothing") {
  const workspace_testing::ScratchConfig dir("saver_bad_config", {"milestones", "triggers"});
  dir.write("triggers/broken.json", "{\"triggers\": [], \"destinations\": [{\"name\": \"hook\", \"type\": \"webhook\",\n"
                                    " \"url\": \"http://127.0.0.1:9/\", \"secret\": \"env:UPLIFT_TEST_UNSET_SECRET\"}]}\n");
  ::unsetenv("UPLIFT_TEST_UNSET_SECRET");
  app::WorkspaceOptions wo;
  wo.config_dir = dir.path.string();
  REQUIRE(wo.persist_state);  // the saver's final save is what must not run
  auto ws = app::Workspace::open(dir.url(), wo);
  REQUIRE_FALSE(ws.ok());
  const std::string problem = ws.status().to_string();
  CHECK_MESSAGE(problem.find("broken.json") != std::string::npos, problem);
  CHECK_MESSAGE(problem.find("UPLIFT_TEST_UNSET_SECRET") != std::string::npos, problem);
  // Nothing was written: the store holds no milestone state.
  auto store = Store::open(dir.url());
  REQUIRE(store.ok());
  CHECK(stored_state(**store).empty());
}
