#include "app/unresolved.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/record_json.h"
#include "ingest/mapped_webhook.h"

namespace uplift::app {

namespace {
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}
}  // namespace

Document unresolved_document(const Record& record, const ingest::ActorRef& actor, const std::string& reason,
                             Timestamp received_at) {
  nlohmann::json rec = record_to_json(record);
  nlohmann::json who = ingest::actor_to_json(actor);
  const std::string key = fmt::format("{}:{:016x}", actor.source.empty() ? "source" : actor.source,
                                      fnv1a(rec.dump() + "\n" + who.dump()));
  nlohmann::json body = {{"source", actor.source}, {"received_at", received_at}, {"actor", who},
                         {"reason", reason},       {"record", rec}};
  return {kUnresolvedCollection, key, body.dump(), received_at};
}

Result<UnresolvedEntry> unresolved_from_document(const Document& doc) try {
  auto j = nlohmann::json::parse(doc.body, nullptr, false);
  if (!j.is_object() || !j.contains("record") || !j.contains("actor"))
    return Status::Internal(fmt::format("unresolved entry '{}' is not readable", doc.key));
  auto actor = ingest::actor_from_json(j["actor"]);
  // An event waits without an account (its learner's, once known): validated with a stand-in.
  nlohmann::json& stored = j["record"];
  const bool accountless_event = stored.is_object() && stored.value("kind", "") == "event" &&
                                 (!stored.contains("account") || stored["account"] == "");
  if (accountless_event) stored["account"] = "?";
  auto rec = record_from_json(stored);
  if (accountless_event && rec.ok()) std::get<Event>(*rec.record).account.clear();
  if (!actor || !rec.ok())
    return Status::Internal(fmt::format("unresolved entry '{}': {}", doc.key, rec.ok() ? "actor" : rec.error.reason));
  UnresolvedEntry e{doc.key, j.value("source", ""), j.value("reason", ""), j.value("received_at", Timestamp{0}),
                    std::move(*actor), std::move(*rec.record)};
  return e;
} catch (const nlohmann::json::exception& e) {  // a field of the wrong type
  return Status::Internal(fmt::format("unresolved entry '{}' is not readable: {}", doc.key, e.what()));
}

nlohmann::json unresolved_to_json(const UnresolvedEntry& e) {
  nlohmann::json rec = record_to_json(e.record);
  if (rec.contains("learner")) rec.erase("learner");  // not known yet
  if (std::holds_alternative<Learner>(e.record) && rec.value("id", "") == ingest::kAliasOnlyLearner) {
    rec.erase("id");  // ids to teach the learner, once found: not a learner of its own
    rec.erase("account");
  }
  return {{"id", e.key},          {"source", e.source},
          {"received_at", format_timestamp(e.received_at)},
          {"reason", e.reason},   {"person", e.actor.display.empty() ? e.actor.learner_id : e.actor.display},
          {"aliases", e.actor.aliases}, {"record", rec}};
}

Record credited(const Record& record, const Learner& learner) {
  Record out = record;
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, Completion> || std::is_same_v<T, Attendance>) r.learner = learner.id;
        else if constexpr (std::is_same_v<T, Learner>) {  // an alias-only record: the learner learns the ids
          std::vector<std::string> aliases = learner.aliases;
          aliases.insert(aliases.end(), r.aliases.begin(), r.aliases.end());
          std::sort(aliases.begin(), aliases.end());
          aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
          r = learner;
          r.aliases = std::move(aliases);
        }
        else if constexpr (std::is_same_v<T, Event>) {
          r.learner = learner.id;
          if (r.account.empty()) r.account = learner.account;
        }
      },
      out);
  return out;
}

}  // namespace uplift::app
