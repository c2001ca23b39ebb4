// Identity resolution: which learner a record from another system is about (DESIGN.md "Identity").
//
// An LMS names people its own way — Skilljar by its user id and an email, Docebo by a numeric
// user id and a username, xAPI by an mbox or an account on a home page. An adapter says who a
// record is about as an ActorRef; resolve_actor() finds the one learner it means:
//   1. a learner whose id is `learner_id` (a canonical id the payload carries), else
//   2. the first alias, in the order given, that exactly one learner holds (its listed aliases,
//      or its email as "email:" + lower case — email_alias()).
// A record whose actor resolves to nobody (or only ambiguously) is not stored as an orphan: it
// waits in the unresolved queue (app/unresolved.h) and is applied when a learner record or alias
// makes it resolvable. Pure: reads the Dataset only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"

namespace uplift::ingest {

struct ActorRef {
  std::string source;                 // "skilljar", "docebo", "xapi", … (for the queue and messages)
  std::string learner_id;             // a canonical learner id to try first ("" none)
  std::vector<std::string> aliases;   // then these, in order ("skilljar:…", "email:…")
  std::string display;                // how the sender named the person, for people reading the queue
  // Whether a record whose person cannot be resolved waits in the unresolved queue (false: it is
  // stored as sent — a Segment track is a fact about its account even for a learner uplift
  // does not know; resolving only re-credits it to a learner known under another id).
  bool queue_if_unknown = true;
  bool operator==(const ActorRef&) const = default;
};

struct Resolution {
  LearnerRef learner;                // null: unresolved (valid like a Dataset reference)
  std::string via;                   // "id" or the alias that matched
  std::string why;                   // unresolved: "no learner has id …, email:… or skilljar:…"
};

Resolution resolve_actor(const Dataset& data, const ActorRef& actor);

nlohmann::json actor_to_json(const ActorRef& a);
std::optional<ActorRef> actor_from_json(const nlohmann::json& j);

}  // namespace uplift::ingest
