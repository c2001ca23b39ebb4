#include "http/ingest_common.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "http/problem.h"
#include "ingest/merge.h"

namespace uplift::http {

void IngestBatch::reject(RejectedItem item) {
  if (rejected.size() < kMaxListedRejections) {
    rejected.push_back(std::move(item));
    return;
  }
  ++unlisted;
  // Reasons may quote the input (a kind, a timestamp, a byte offset): the counts keep at most
  // kMaxUnlistedReasons distinct ones, each cut to 120 bytes, and fold the rest into "other".
  std::string reason = item.reason.size() > 120 ? item.reason.substr(0, 120) + "…" : item.reason;
  auto it = unlisted_reasons.find(reason);
  if (it == unlisted_reasons.end() && unlisted_reasons.size() >= kMaxUnlistedReasons) reason = "other";
  ++unlisted_reasons[reason];
}

static nlohmann::json rejected_json(std::vector<RejectedItem> items) {
  std::stable_sort(items.begin(), items.end(), [](const RejectedItem& a, const RejectedItem& b) { return a.line < b.line; });
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : items) arr.push_back({{"line", r.line}, {"field", r.field}, {"reason", r.reason}});
  return arr;
}

// The counts beyond the listed rejections, when there are any.
static void add_unlisted(const IngestBatch& batch, nlohmann::json& into) {
  if (!batch.unlisted) return;
  into["rejected_total"] = batch.rejected_count();
  into["unlisted_by_reason"] = batch.unlisted_reasons;
}

namespace {

// Record i's line (NDJSON) or position.
std::int64_t line_of(const IngestBatch& batch, std::size_t i) {
  return i < batch.lines.size() ? batch.lines[i] : static_cast<std::int64_t>(i + 1);
}

// Keeps the records with keep[i] (and their lines and upserts, aligned).
void keep_only(IngestBatch& batch, const std::vector<bool>& keep) {
  std::vector<Record> kept;
  std::vector<std::int64_t> kept_lines;
  std::vector<std::optional<nlohmann::json>> kept_upserts;
  for (std::size_t i = 0; i < batch.records.size(); ++i)
    if (keep[i]) {
      kept.push_back(std::move(batch.records[i]));
      kept_lines.push_back(line_of(batch, i));
      kept_upserts.push_back(i < batch.upserts.size() ? std::move(batch.upserts[i]) : std::nullopt);
    }
  batch.records = std::move(kept);
  batch.lines = std::move(kept_lines);
  batch.upserts = std::move(kept_upserts);
}

// Moves the records dated outside the service's bounds to `rejected` (answers list them by line).
void reject_out_of_bounds(const Service& service, IngestBatch& batch) {
  const Timestamp now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  std::vector<bool> keep(batch.records.size(), true);
  bool any = false;
  for (std::size_t i = 0; i < batch.records.size(); ++i)
    if (auto bad = ingest::check_time(batch.records[i], now, service.time_bounds)) {
      batch.reject({line_of(batch, i), bad->field, bad->reason});
      keep[i] = false;
      any = true;
    }
  if (any) keep_only(batch, keep);
}

// Partial upserts merged over the stored accounts and learners (the caller holds the lock). A
// merged record that no longer validates is rejected by line.
// Each upsert is merged over the latest version of its record: an earlier line of the same
// batch, else the stored one. A merge that no longer validates rejects its line.
void merge_upserts(const app::Workspace& ws, IngestBatch& batch) {
  std::map<std::pair<int, std::string>, std::size_t> latest;  // (0 account / 1 learner, id) → index
  std::vector<bool> keep(batch.records.size(), true);
  bool any_bad = false;
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const Record& r = batch.records[i];
    const bool is_account = std::holds_alternative<Account>(r), is_learner = std::holds_alternative<Learner>(r);
    if (!is_account && !is_learner) continue;
    const std::pair<int, std::string> key{is_account ? 0 : 1,
                                          is_account ? std::get<Account>(r).id : std::get<Learner>(r).id};
    const bool partial = i < batch.upserts.size() && batch.upserts[i];
    if (partial) {
      std::optional<Record> base;
      if (auto it = latest.find(key); it != latest.end()) {
        base = batch.records[it->second];
      } else if (is_account) {
        if (const Account* a = ws.data().account(key.second)) base = Record(*a);
      } else if (const Learner* l = ws.data().learner(key.second)) {
        base = Record(*l);
      }
      if (base) {
        auto merged = ingest::merge_upsert(&*base, *batch.upserts[i]);
        if (!merged.ok()) {
          batch.reject({line_of(batch, i), merged.error.field,
                        "merged with the stored record: " + merged.error.reason});
          any_bad = true;
          keep[i] = false;
          continue;
        }
        batch.records[i] = std::move(*merged.record);
      }
    }
    latest[key] = i;
  }
  if (any_bad) keep_only(batch, keep);
}

}  // namespace

HttpResponse commit_batch(Service& service, IngestBatch batch, const nlohmann::json& extra, bool all_or_nothing) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  reject_out_of_bounds(service, batch);
  service.metrics.add_ingested("record", "rejected", static_cast<long>(batch.rejected_count()));
  if (all_or_nothing && batch.rejected_count()) batch.records.clear();  // one bad item: nothing stored
  if (batch.records.empty()) {
    auto p = bad_request(batch.rejected.empty() ? "the body holds no records"
                                                : "no record in the body is valid; see errors",
                         "invalid-records");
    p.extensions["errors"] = rejected_json(batch.rejected);
    add_unlisted(batch, p.extensions);
    return problem_response(p);
  }
  if (service.stale()) return problem_response(problem_from_status(Status::Unavailable("")));
  Result<app::IngestSummary> summary = ws->ingest_concurrently([&]() -> std::span<const Record> {
    merge_upserts(*ws, batch);  // under the workspace's shared lock
    return batch.records;
  });
  if (!summary.ok()) {
    if (summary.status().code() == Code::kUnavailable) service.db_reachable = false;
    if (summary.status().code() == Code::kInternal)
      std::fprintf(stderr, "{\"level\":\"error\",\"msg\":\"ingest failed\",\"error\":%s}\n",
                   dump_json(summary.status().to_string()).c_str());
    return problem_response(problem_from_status(summary.status()));
  }
  if (summary->states_not_saved)
    std::fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"records stored; saving the changed milestone states failed (saved "
                         "with the next batch)\",\"error\":%s}\n",
                 dump_json(summary->states_not_saved->to_string()).c_str());
  auto accepted = summary->inserted + summary->updated;
  service.metrics.add_ingested("record", "accepted", static_cast<long>(accepted));
  service.metrics.add_ingested("record", "duplicate", static_cast<long>(summary->duplicates));
  nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
  body["accepted"] = accepted;
  body["duplicates"] = summary->duplicates;
  body["rejected"] = rejected_json(batch.rejected);
  add_unlisted(batch, body);
  return json_response(body, 200);
}

std::optional<HttpResponse> require_json(const HttpRequest& request) {
  std::string mt = request.media_type();
  if (mt == "application/json" || (mt.starts_with("application/") && mt.ends_with("+json"))) return std::nullopt;
  return problem_response(unsupported_media_type(
      "send the body as Content-Type: application/json" + (mt.empty() ? std::string() : " (got " + mt + ")")));
}

}  // namespace uplift::http
