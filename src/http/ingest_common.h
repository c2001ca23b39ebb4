// What every ingest endpoint shares: committing a batch of records through the Workspace and
// answering in one shape.
//
//   200 {"accepted": n, "duplicates": d, "rejected": [{"line": i, "field": f, "reason": r}]}
//   (+ "unresolved": u, "ignored": g when an adapter's records wait for their person or were unused)
//
// At most kMaxListedRejections are listed; beyond them the answer adds "rejected_total" and
// "unlisted_by_reason" ({reason: count}) so its size is bounded whatever the body holds.
//
// `accepted` counts records inserted or changed, `duplicates` the re-sent ones (same event id /
// identical upsert: retrying never duplicates). Items that failed validation are listed in
// `rejected` (line = 1-based line of an NDJSON body or position in a JSON batch) and the valid
// ones are still committed: partial acceptance answers 200 with a non-empty `rejected`. When no
// item is valid the answer is 400 problem+json with the same list under "errors".
// An account or learner upsert changes only the fields it names (ingest/merge.h), merged under
// the workspace's lock. Records dated outside the service's time bounds (ingest/time_bounds.h) are rejected the same way.
// A 2xx means the batch was committed to the store. When the store is unreachable the answer is
// 503 with Retry-After and nothing of the batch is written (store writes are atomic).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "http/message.h"
#include "http/service.h"
#include "ingest/identity.h"

namespace uplift::http {

struct RejectedItem {
  std::int64_t line = 0;
  std::string field, reason;
};

// Rejections listed in full in an answer; the rest are counted by reason. A 5 MB body of bad lines
// was answered with every one of them echoed (116 MB, and 2 GB of server memory).
inline constexpr std::size_t kMaxListedRejections = 100;
inline constexpr std::size_t kMaxUnlistedReasons = 20;  // distinct reasons counted; the rest are "other"

struct IngestBatch {
  std::vector<Record> records;
  std::vector<std::int64_t> lines;  // each record's line (NDJSON) or position; empty: 1, 2, …
  // Each record's fields as sent, for the adapters' accounts and learners (ingest/merge.h: a
  // partial upsert changes only these); empty or nullopt: the record replaces the stored one.
  std::vector<std::optional<nlohmann::json>> upserts;
  // Each record's person as another system named them (adapters; empty: none). Resolved before
  // the commit (ingest/identity.h); a record whose person is unknown goes to the unresolved queue
  // (app/unresolved.h) instead of the store, and the answer counts it under "unresolved".
  std::vector<std::optional<ingest::ActorRef>> actors;
  // Documents written after the records (and the unresolved entries), in one transaction: what
  // an adapter keeps of the delivery itself (xAPI statements as sent).
  std::vector<Document> documents;
  std::size_t ignored = 0;  // items acknowledged but unused ("ignored" in the answer)
  std::vector<RejectedItem> rejected;  // the first kMaxListedRejections found, by line
  std::size_t unlisted = 0;             // rejections beyond them, counted…
  std::map<std::string, std::size_t> unlisted_reasons;  // …by reason

  // Lists the rejection, or counts it once kMaxListedRejections are listed.
  void reject(RejectedItem item);
  std::size_t rejected_count() const { return rejected.size() + unlisted; }
};

// Commits the batch and builds the response; `extra` fields are merged into a 200 body.
// `all_or_nothing` (xAPI: a statement batch is stored whole or not at all): any rejection, from
// parsing or the time bounds, answers 400 and stores nothing.
HttpResponse commit_batch(Service& service, IngestBatch batch, const nlohmann::json& extra = nlohmann::json::object(),
                          bool all_or_nothing = false);

// Checks the media type of a JSON body: application/json or any application/*+json
// (415 problem otherwise); nullopt when acceptable.
std::optional<HttpResponse> require_json(const HttpRequest& request);

}  // namespace uplift::http
