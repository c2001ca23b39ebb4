#include "http/ingest_common.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include "app/unresolved.h"
#include "core/time.h"
#include "http/problem.h"
#include "ingest/mapped_webhook.h"
#include "ingest/merge.h"
#include "log/log.h"

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

// Rebuilds the batch's aligned vectors (records, lines, upserts, actors): `head` first (new
// records with no line, upsert or actor), then the records with keep[i] (every one without keep).
void rebuild(IngestBatch& batch, std::vector<Record> head, const std::vector<bool>* keep) {
  std::vector<Record> records = std::move(head);
  std::vector<std::int64_t> lines(records.size(), 0);
  std::vector<std::optional<nlohmann::json>> upserts(records.size());
  std::vector<std::optional<ingest::ActorRef>> actors(records.size());
  for (std::size_t i = 0; i < batch.records.size(); ++i)
    if (!keep || (*keep)[i]) {
      records.push_back(std::move(batch.records[i]));
      lines.push_back(line_of(batch, i));
      upserts.push_back(i < batch.upserts.size() ? std::move(batch.upserts[i]) : std::nullopt);
      actors.push_back(i < batch.actors.size() ? std::move(batch.actors[i]) : std::nullopt);
    }
  batch.records = std::move(records);
  batch.lines = std::move(lines);
  batch.upserts = std::move(upserts);
  batch.actors = std::move(actors);
}

// Keeps the records with keep[i] (and their lines, upserts and actors, aligned).
void keep_only(IngestBatch& batch, const std::vector<bool>& keep) { rebuild(batch, {}, &keep); }

// Credits each record with an actor to its learner (ingest/identity.h), over the records of
// `data` (a View's). A learner record whose person already exists under another id becomes a partial
// upsert adding its aliases to that learner (one person, one learner); a record whose learner is
// created in this very batch keeps it; a record whose person is unknown leaves the batch for the
// unresolved queue (`queued`).
// The learner the domain rule makes for `who` (see resolve_actors), or nullopt: `who` has an email
// whose domain exactly one account lists as "domain:<domain>". Made once per person and batch.
std::optional<Learner> learner_by_domain(const Dataset& data, const ingest::ActorRef& who,
                                         std::map<std::string, Learner>& made) {
  std::string email;
  for (const auto& a : who.aliases)
    if (a.rfind("email:", 0) == 0) email = a.substr(6);
  const auto at = email.rfind('@');
  if (email.empty() || at == std::string::npos || at + 1 == email.size()) return std::nullopt;
  if (auto it = made.find(email); it != made.end()) return it->second;
  bool ambiguous = false;
  const Account* account = data.account_by_alias("domain:" + email.substr(at + 1), &ambiguous);
  if (!account || ambiguous) return std::nullopt;
  Learner l;
  // The sender's id for the person when it is free as an uplift id, else the email.
  l.id = !who.learner_id.empty() && !data.learner(who.learner_id) && who.learner_id != ingest::kAliasOnlyLearner
             ? who.learner_id
             : email;
  if (data.learner(l.id)) return std::nullopt;  // taken by someone else: the queue decides
  l.account = account->id;
  l.email = email;
  for (const auto& a : who.aliases)
    if (a.rfind("email:", 0) != 0 && valid_alias(a)) l.aliases.push_back(a);
  std::sort(l.aliases.begin(), l.aliases.end());
  l.aliases.erase(std::unique(l.aliases.begin(), l.aliases.end()), l.aliases.end());
  made.emplace(email, l);
  return l;
}

void resolve_actors(const Dataset& data, IngestBatch& batch, std::vector<Document>& queued, Timestamp now) {
  if (batch.actors.empty()) return;
  std::map<std::string, Learner> by_domain;  // learners the domain rule creates in this batch, by email
  std::map<std::string, std::string> same_person;  // learner id in the batch → existing learner id
  std::map<std::string, std::string> created;  // learner id created (or updated) in the batch → its account
  std::vector<bool> keep(batch.records.size(), true);
  bool any_queued = false;
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    if (auto* a = std::get_if<Account>(&batch.records[i]); a && i < batch.actors.size() && batch.actors[i]) {
      // An account that declares other systems' ids (a Segment group's traits.aliases) gains them.
      if (const Account* stored = data.account(a->id)) {
        std::vector<std::string> aliases = stored->aliases;
        aliases.insert(aliases.end(), a->aliases.begin(), a->aliases.end());
        std::sort(aliases.begin(), aliases.end());
        aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
        a->aliases = aliases;
        if (i < batch.upserts.size() && batch.upserts[i] && batch.upserts[i]->contains("aliases"))
          (*batch.upserts[i])["aliases"] = aliases;
      }
      continue;
    }
    auto* l = std::get_if<Learner>(&batch.records[i]);
    if (!l || i >= batch.actors.size() || !batch.actors[i]) {
      if (l) created[l->id] = l->account;
      continue;
    }
    const bool alias_only = l->id == ingest::kAliasOnlyLearner && l->account == ingest::kAliasOnlyLearner;
    if (LearnerRef stored = alias_only ? LearnerRef() : data.learner(l->id)) {
      // The learner exists: it gains this system's ids, keeping the ones it had.
      std::vector<std::string> aliases = stored->record().aliases;
      aliases.insert(aliases.end(), l->aliases.begin(), l->aliases.end());
      std::sort(aliases.begin(), aliases.end());
      aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
      l->aliases = aliases;
      if (i < batch.upserts.size() && batch.upserts[i] && batch.upserts[i]->contains("aliases"))
        (*batch.upserts[i])["aliases"] = aliases;
      created[l->id] = l->account;
      continue;
    }
    ingest::ActorRef by_alias = *batch.actors[i];
    by_alias.learner_id.clear();
    ingest::Resolution r = ingest::resolve_actor(data, by_alias);
    if (r.learner && r.learner->id() != l->id) {
      // Known already, under another id: teach that learner this system's id instead.
      Learner merged = r.learner->record();
      std::vector<std::string> aliases = merged.aliases;
      aliases.insert(aliases.end(), l->aliases.begin(), l->aliases.end());
      std::sort(aliases.begin(), aliases.end());
      aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
      same_person[l->id] = merged.id;
      nlohmann::json sent = {{"kind", "learner"}, {"id", merged.id}, {"account", merged.account}, {"aliases", aliases}};
      if (batch.upserts.size() < batch.records.size()) batch.upserts.resize(batch.records.size());
      batch.upserts[i] = sent;
      merged.aliases = aliases;
      batch.records[i] = merged;
      continue;
    }
    if (alias_only) {  // an id for a person nobody is yet: kept until someone is
      queued.push_back(app::unresolved_document(batch.records[i], by_alias, r.why, now));
      keep[i] = false;
      any_queued = true;
      continue;
    }
    created[l->id] = l->account;
  }
  for (std::size_t i = 0; i < batch.records.size() && i < batch.actors.size(); ++i) {
    if (!batch.actors[i] || std::holds_alternative<Learner>(batch.records[i]) ||
        std::holds_alternative<Account>(batch.records[i]))
      continue;
    const ingest::ActorRef& who = *batch.actors[i];
    std::string id, account;
    if (auto it = same_person.find(who.learner_id); it != same_person.end()) {
      id = it->second;
      if (LearnerRef l = data.learner(id)) account = l->account();
    } else if (auto c = created.find(who.learner_id); c != created.end()) {
      id = c->first;
      account = c->second;
    }
    ingest::Resolution r;
    if (id.empty()) {
      r = ingest::resolve_actor(data, who);
      if (r.learner) id = r.learner->id(), account = r.learner->account();
    }
    if (!id.empty()) {
      std::visit(
          [&](auto& rec) {
            if constexpr (requires { rec.learner; }) rec.learner = id;
            if constexpr (std::is_same_v<std::decay_t<decltype(rec)>, Event>)
              if (rec.account.empty()) rec.account = account;
          },
          batch.records[i]);
      continue;
    }
    if (!who.queue_if_unknown) continue;  // stored as sent (a Segment track of an unknown user)
    // Opt-in: the one account listing "domain:<the email's domain>" takes a person nobody knows
    // yet — the learner is created there with the sender's ids, and credited.
    if (auto made = learner_by_domain(data, who, by_domain)) {
      std::visit(
          [&](auto& rec) {
            if constexpr (requires { rec.learner; }) rec.learner = made->id;
            if constexpr (std::is_same_v<std::decay_t<decltype(rec)>, Event>)
              if (rec.account.empty()) rec.account = made->account;
          },
          batch.records[i]);
      continue;
    }
    queued.push_back(app::unresolved_document(batch.records[i], who, r.why, now));
    keep[i] = false;
    any_queued = true;
  }
  if (any_queued) keep_only(batch, keep);
  if (!by_domain.empty()) {  // the new learners go first, so the batch creates them before it credits them
    std::vector<Record> learners;
    for (auto& [email, l] : by_domain) learners.push_back(l);
    rebuild(batch, std::move(learners), nullptr);
  }
}

// Moves the records dated outside the service's bounds to `rejected` (answers list them by line).
void reject_out_of_bounds(const Service& service, IngestBatch& batch) {
  const Timestamp now = wall_clock_now();
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

// Partial upserts merged over the stored accounts and learners of `data` (a View's). A
// merged record that no longer validates is rejected by line.
// Each upsert is merged over the latest version of its record: an earlier line of the same
// batch, else the stored one. A merge that no longer validates rejects its line.
void merge_upserts(const Dataset& data, IngestBatch& batch) {
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
        if (const Account* a = data.account(key.second)) base = Record(*a);
      } else if (LearnerRef l = data.learner(key.second)) {
        base = Record(l->record());
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
  if (batch.records.empty() && batch.ignored && batch.rejected_count() == 0) {
    // Acknowledged, not used (an LMS event type uplift has no use for): a 2xx, so the sender
    // does not retry it or switch the webhook off.
    nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
    body["accepted"] = 0;
    body["duplicates"] = 0;
    body["rejected"] = nlohmann::json::array();
    body["ignored"] = batch.ignored;
    return json_response(body, 200);
  }
  if (batch.records.empty()) {
    auto p = bad_request(batch.rejected.empty() ? "the body holds no records"
                                                : "no record in the body is valid; see errors",
                         "invalid-records");
    p.extensions["errors"] = rejected_json(batch.rejected);
    add_unlisted(batch, p.extensions);
    return problem_response(p);
  }
  if (service.stale()) return problem_response(problem_from_status(Status::Unavailable("")));
  std::vector<Document> queued;
  if (!batch.actors.empty()) {
    const app::View view = ws->view();
    resolve_actors(view.data(), batch, queued, wall_clock_now());
  }
  Result<app::IngestSummary> summary = app::IngestSummary{};
  if (!batch.records.empty())
    summary = ws->ingest_concurrently([&](const app::View& view) -> std::span<const Record> {
      merge_upserts(view.data(), batch);  // over the records as the group's leader reads them
      return batch.records;
    });
  const std::size_t unresolved = queued.size();
  queued.insert(queued.end(), std::make_move_iterator(batch.documents.begin()),
                std::make_move_iterator(batch.documents.end()));
  if (summary.ok() && !queued.empty()) {
    // After the resolved records: a failure here answers 503 and the sender retries (the records
    // already stored are duplicates then; the queue entries are keyed by content).
    if (Status st = ws->store().put_documents(queued); !st.ok()) summary = st;
    else if (unresolved) ws->unresolved_queued();  // a learner that arrived meanwhile is matched at the next look
  }
  if (!summary.ok()) {
    if (summary.status().code() == Code::kUnavailable) service.db_reachable = false;
    if (summary.status().code() == Code::kInternal)
      log::error("ingest failed", {{"error", summary.status().to_string()}});
    return problem_response(problem_from_status(summary.status()));
  }
  auto accepted = summary->inserted + summary->updated;
  service.metrics.add_ingested("record", "accepted", static_cast<long>(accepted));
  service.metrics.add_ingested("record", "duplicate", static_cast<long>(summary->duplicates));
  nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
  body["accepted"] = accepted;
  body["duplicates"] = summary->duplicates;
  body["rejected"] = rejected_json(batch.rejected);
  if (unresolved) body["unresolved"] = unresolved;
  if (batch.ignored) body["ignored"] = batch.ignored;
  if (summary->version) body["version"] = summary->version;
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
