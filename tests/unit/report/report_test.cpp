// The report writers (HTML, CSV, JSON shape) and cohort persistence over the Store interface.
#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"
#include "schema_check.h"

using namespace uplift;
using nlohmann::json;

namespace {

attribution::RoiReport sample() {
  attribution::RoiReport r;
  r.quarter = {2026, 3};
  r.as_of = *parse_timestamp("2026-09-30T00:00:00Z");
  attribution::ProgramResult p;
  p.program = "dma";
  p.title = "Data <Manager> & \"Co\"";
  p.cohort = "dma-2026q3";
  p.participants = 91;
  p.participant_learners = 120;
  p.attended_2plus_pct = 63.0;
  p.arr_influenced = 1200000;
  p.usage_lift.metric = "data_manager_edit";
  p.usage_lift.control = "holdout";
  p.usage_lift.naive_pct = 58.0;
  p.usage_lift.did_pct = 31.2;
  p.usage_lift.ci95_pct = attribution::Interval{18.0, 44.5};
  p.arr_lift.incremental_arr = 150000;
  p.arr_lift.ci95 = attribution::Interval{20000, 280000};
  p.dose_response = {{"1", 34, 20.0, 10.0, attribution::Interval{2.0, 18.0}, ""},
                     {"2+", 57, 70.0, std::nullopt, std::nullopt, "control accounts had no usage"}};
  p.warnings = {"<script>alert(1)</script>"};
  r.programs.push_back(p);
  r.stages = {{"onboarding", 100, 0}, {"foundational", 420, 57}};
  r.csm = {{"ana", 40, 9, 22.5}};
  r.renewal_by_stage = {{"onboarding", 4, 3, 75.0}, {"foundational", 0, 0, std::nullopt}};
  return r;
}

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

TEST_CASE("JSON has DESIGN.md's shape and validates against the schema") {
  json j = report::roi_to_json(sample());
  CHECK(j["quarter"] == "2026Q3");
  const auto& p = j["programs"][0];
  CHECK(p["participants"] == 91);
  CHECK(p["attended_2plus_pct"] == 63.0);
  CHECK(p["arr_influenced"] == 1200000.0);
  CHECK(p["usage_lift"]["did_pct"] == 31.2);
  CHECK(p["usage_lift"]["ci95_pct"] == json::array({18.0, 44.5}));
  CHECK(p["usage_lift"]["control"] == "holdout");
  CHECK(p["arr_lift"]["incremental_arr"] == 150000.0);
  CHECK(p["arr_lift"]["ci95"] == json::array({20000.0, 280000.0}));
  CHECK(p["dose_response"][1]["did_pct"].is_null());
  CHECK(j["stages"][1] == json{{"stage", "foundational"}, {"accounts", 420}, {"moved_in_quarter", 57}});
  CHECK(j["csm"][0]["moved_pct"] == 22.5);
  CHECK(j["renewal_by_stage"][1]["rate_pct"].is_null());
  std::ifstream sf(std::string(UPLIFT_SOURCE_DIR) + "/tests/data/report.schema.json");
  std::vector<std::string> errs;
  schema_check::check(json::parse(sf), j, "$", errs);
  CHECK_MESSAGE(errs.empty(), (errs.empty() ? "" : errs[0]));
  // The checker itself catches a wrong shape.
  j["programs"][0]["usage_lift"]["ci95_pct"] = json::array({1.0});
  j["stages"][0].erase("accounts");
  errs.clear();
  sf.clear();
  sf.seekg(0);
  schema_check::check(json::parse(sf), j, "$", errs);
  CHECK(errs.size() == 2);
}

TEST_CASE("HTML is self-contained, escaped, and has the charts") {
  std::string h = report::roi_to_html(sample());
  CHECK(h.rfind("<!doctype html>", 0) == 0);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(h.find("Data &lt;Manager&gt; &amp; &quot;Co&quot;") != std::string::npos);
  CHECK(h.find("Data <Manager>") == std::string::npos);
  CHECK(h.find("http://") == h.find("http://www.w3.org/2000/svg"));  // no external resources
  std::size_t svgs = 0;
  for (auto at = h.find("<svg"); at != std::string::npos; at = h.find("<svg", at + 1)) ++svgs;
  CHECK(svgs == 4);  // lift, dose-response, funnel, CSM
  CHECK(h.find("class=\"ci\"") != std::string::npos);  // the error bar
  CHECK(h.find("id=\"summary\"") != std::string::npos);
  CHECK(h.find("$1,200,000") != std::string::npos);
  CHECK(h.find("How to read the causal estimate") != std::string::npos);
  CHECK(report::html_escape("a'b") == "a&#39;b");
}

TEST_CASE("CSV: one row per program metric with the interval next to the causal figures") {
  std::string csv = report::roi_to_csv(sample());
  CHECK(csv.rfind("quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note\r\n", 0) == 0);
  CHECK(csv.find("2026Q3,dma,dma-2026q3,usage_did_pct,31.20,18.00,44.50,holdout,\r\n") != std::string::npos);
  CHECK(csv.find("2026Q3,dma,dma-2026q3,incremental_arr,150000.00,20000.00,280000.00,holdout,\r\n") != std::string::npos);
  CHECK(csv.find("dose_2+_did_pct,,,,holdout,not estimable: control accounts had no usage") != std::string::npos);
}

TEST_CASE("cohorts persist as Store documents and are immutable once sent") {
  DocStore store;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  c.holdout = {"a2"};
  REQUIRE(report::save_cohort(store, c, 1).ok());
  CHECK(store.docs.count({"cohorts", "c1"}) == 1);
  c.invitees.push_back({"a3", {}, "", ""});
  REQUIRE(report::save_cohort(store, c, 2).ok());  // proposed: may change
  auto sent = report::send_cohort(store, "c1", 3);
  REQUIRE(sent.ok());
  CHECK(sent->status == cohorts::CohortStatus::kSent);
  auto changed = *sent;
  changed.holdout.clear();
  CHECK(report::save_cohort(store, changed, 4).code() == Code::kFailedPrecondition);
  CHECK(report::save_cohort(store, *sent, 5).ok());  // identical: fine
  auto all = report::load_cohorts(store);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].invitees.size() == 2);
  CHECK(report::get_cohort(store, "nope").status().code() == Code::kNotFound);
  store.docs[{"cohorts", "bad"}] = {"cohorts", "bad", "{\"id\":\"bad\"}", 0};
  auto broken = report::load_cohorts(store);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.status().message().find("cohort document 'bad'") != std::string::npos);
}

// Another process sends the cohort between this one's read and its write: the write must not
// land over the sent cohort (it would un-send it, or change who was invited after the fact).
TEST_CASE("a cohort sent by another process meanwhile is not overwritten by a stale save") {
  // A DocStore in which, right after the first read of the cohort, "another process" sends it.
  struct RacingStore : DocStore {
    bool raced = false;
    Result<Document> get_document(std::string_view c, std::string_view k) override {
      auto d = DocStore::get_document(c, k);
      if (!raced && d.ok()) {
        raced = true;
        auto theirs = nlohmann::json::parse(d->body);
        theirs["status"] = "sent";
        docs[{std::string(c), std::string(k)}].body = theirs.dump();
      }
      return d;  // the version read before the send
    }
  };
  RacingStore store;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  REQUIRE(report::save_cohort(store, c, 1).ok());
  store.raced = false;
  auto changed = c;
  changed.invitees.push_back({"a3", {}, "", ""});
  Status st = report::save_cohort(store, changed, 2);
  CHECK(store.raced);
  CHECK(st.code() == Code::kFailedPrecondition);  // it read again, found it sent: immutable
  auto now = report::get_cohort(store, "c1");
  REQUIRE(now.ok());
  CHECK(now->status == cohorts::CohortStatus::kSent);
  CHECK(now->invitees.size() == 1);
}

// DELETE /v1/cohorts/{id}: only a proposed cohort, and never one sent between the read and the
// delete (by this process or another) — its holdout is an experiment record.
TEST_CASE("a cohort is deleted only while proposed, and not when it was sent meanwhile") {
  struct RacingStore : DocStore {
    bool race = false, raced = false;
    Result<Document> get_document(std::string_view c, std::string_view k) override {
      auto d = DocStore::get_document(c, k);
      if (race && !raced && d.ok()) {
        raced = true;
        auto theirs = nlohmann::json::parse(d->body);
        theirs["status"] = "sent";
        docs[{std::string(c), std::string(k)}].body = theirs.dump();
      }
      return d;  // the version read before the send
    }
  };
  RacingStore store;
  cohorts::Cohort c;
  c.id = "c1";
  c.program = "dma";
  c.invitees = {{"a1", {"l1"}, "ana", "r"}};
  REQUIRE(report::save_cohort(store, c, 1).ok());
  c.id = "c2";
  REQUIRE(report::save_cohort(store, c, 1).ok());
  CHECK(report::delete_cohort(store, "c1").ok());
  CHECK(report::get_cohort(store, "c1").status().code() == Code::kNotFound);
  CHECK(report::delete_cohort(store, "c1").code() == Code::kNotFound);
  store.race = true;
  Status st = report::delete_cohort(store, "c2");
  CHECK(store.raced);
  CHECK(st.code() == Code::kFailedPrecondition);  // read again: sent, so kept
  auto kept = report::get_cohort(store, "c2");
  REQUIRE(kept.ok());
  CHECK(kept->status == cohorts::CohortStatus::kSent);
}

TEST_CASE("stage gates come from the graph's stage markers") {
  milestones::Graph g;
  g.stages = {"onboarding", "foundational"};
  g.milestones.resize(2);
  g.milestones[0].id = "x";
  g.milestones[1].id = "found";
  g.stage_marker = {-1, 1};
  auto gates = report::stage_gates(g);
  REQUIRE(gates.size() == 2);
  CHECK(gates[0].milestone.empty());
  CHECK(gates[1].milestone == "found");
}

TEST_CASE("CSV: every table the JSON has — totals, stages, CSMs, renewals, notes, warnings — each value equal") {
  auto r = sample();
  r.notes = {"=cmd|' /C calc'!A0 is a note"};
  const std::string csv = report::roi_to_csv(r);
  const auto j = nlohmann::json::parse(report::roi_to_json(r).dump());
  auto value_of = [&](const std::string& metric) -> std::string {
    auto at = csv.find("," + metric + ",");
    REQUIRE_MESSAGE(at != std::string::npos, metric);
    auto start = at + metric.size() + 2;
    return csv.substr(start, csv.find(',', start) - start);
  };
  for (const auto& s : j["stages"]) {
    CHECK(value_of("stage_accounts: " + s["stage"].get<std::string>()) == fmt::format("{:.2f}", s["accounts"].get<double>()));
    CHECK(value_of("stage_moved_in_quarter: " + s["stage"].get<std::string>()) ==
          fmt::format("{:.2f}", s["moved_in_quarter"].get<double>()));
  }
  for (const auto& c : j["csm"]) {
    CHECK(value_of("csm_accounts: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["accounts"].get<double>()));
    CHECK(value_of("csm_moved: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["moved"].get<double>()));
    CHECK(value_of("csm_moved_pct: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["moved_pct"].get<double>()));
  }
  for (const auto& x : j["renewal_by_stage"]) {
    CHECK(value_of("renewals: " + x["stage"].get<std::string>()) == fmt::format("{:.2f}", x["renewals"].get<double>()));
    if (x["rate_pct"].is_null()) CHECK(value_of("renewal_rate_pct: " + x["stage"].get<std::string>()).empty());
  }
  CHECK(csv.find("not estimable: no renewal in the quarter") != std::string::npos);
  CHECK(value_of("total_participant_accounts") == fmt::format("{:.2f}", j["totals"]["participant_accounts"].get<double>()));
  CHECK(csv.find(",note,,,,,'=cmd") != std::string::npos);  // neutralized for spreadsheets
  CHECK(csv.find(",warning,,,,,<script>") != std::string::npos);
}
