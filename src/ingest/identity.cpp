#include "ingest/identity.h"

#include <fmt/format.h>

namespace uplift::ingest {

Resolution resolve_actor(const Dataset& data, const ActorRef& actor) {
  Resolution r;
  if (!actor.learner_id.empty())
    if (LearnerRef l = data.learner(actor.learner_id)) {
      r.learner = l;
      r.via = "id";
      return r;
    }
  std::vector<std::string> tried, ambiguous;
  if (!actor.learner_id.empty()) tried.push_back("id " + actor.learner_id);
  for (const auto& alias : actor.aliases) {
    if (alias.empty()) continue;
    bool several = false;
    if (LearnerRef l = data.learner_by_alias(alias, &several)) {
      r.learner = l;
      r.via = alias;
      return r;
    }
    (several ? ambiguous : tried).push_back(alias);
  }
  if (tried.empty() && ambiguous.empty()) {
    r.why = "the record names no learner";
  } else {
    r.why = tried.empty() ? std::string() : fmt::format("no learner has {}", fmt::join(tried, ", "));
    if (!ambiguous.empty())
      r.why += fmt::format("{}several learners have {}", r.why.empty() ? "" : "; ", fmt::join(ambiguous, ", "));
  }
  return r;
}

nlohmann::json actor_to_json(const ActorRef& a) {
  nlohmann::json j = {{"source", a.source}, {"aliases", a.aliases}};
  if (!a.learner_id.empty()) j["learner_id"] = a.learner_id;
  if (!a.display.empty()) j["display"] = a.display;
  return j;
}

std::optional<ActorRef> actor_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("aliases") || !j["aliases"].is_array()) return std::nullopt;
  for (const char* key : {"source", "learner_id", "display"})
    if (j.contains(key) && !j[key].is_string()) return std::nullopt;
  ActorRef a;
  a.source = j.value("source", "");
  a.learner_id = j.value("learner_id", "");
  a.display = j.value("display", "");
  for (const auto& x : j["aliases"])
    if (x.is_string()) a.aliases.push_back(x.get<std::string>());
  return a;
}

}  // namespace uplift::ingest
