#include <fmt/format.h>

#include "core/time.h"
#include "recommend/recommend.h"

namespace uplift::recommend {

using nlohmann::json;

json to_json(const Reason& r) {
  switch (r.kind) {
    case Reason::Kind::kFrontier: {
      json j = {{"frontier", r.id}};
      if (!r.progress.empty()) j["progress"] = r.progress;
      return j;
    }
    case Reason::Kind::kPath: {
      json j = {{"path", r.id}, {"position", r.position}, {"segment", r.segment}};
      if (r.next) j["next"] = true;
      return j;
    }
    case Reason::Kind::kCollection: return {{"collection", r.id}};
    case Reason::Kind::kInProgress: return {{"in_progress", true}};
  }
  return json::object();
}

json to_json(const Recommendations& r) {
  json items = json::array();
  int rank = 0;
  for (const auto& rec : r.items) {
    json reasons = json::array();
    for (const auto& reason : rec.reasons) reasons.push_back(to_json(reason));
    json j = {{"rank", ++rank},
              {"id", rec.item->id},
              {"title", rec.item->title},
              {"type", item_type_name(rec.item->type)},
              {"minutes", rec.item->minutes},
              {"score", rec.score},
              {"reasons", std::move(reasons)}};
    if (rec.badge) {
      j["badge"] = {{"name", rec.badge->name}, {"source", rec.badge->source}, {"id", rec.badge->id},
                    {"remaining", rec.badge->remaining}};
    }
    items.push_back(std::move(j));
  }
  return {{"learner", r.learner}, {"account", r.account}, {"audience", audience_name(r.audience)},
          {"stage", r.stage},     {"segments", r.segments}, {"frontier", r.frontier},
          {"as_of", format_timestamp(r.as_of)}, {"items", std::move(items)}};
}

json to_json(const PathView& v) {
  json paths = json::array();
  for (const auto& p : v.paths) {
    json steps = json::array();
    for (const auto& s : p.steps)
      steps.push_back({{"id", s.item->id}, {"title", s.item->title}, {"position", s.position}, {"status", s.status}});
    json j = {{"path", p.path->id}, {"title", p.path->title}, {"segment", p.segment},
              {"done", p.done}, {"total", p.steps.size()}, {"items", std::move(steps)}};
    if (!p.path->badge.empty()) j["badge"] = p.path->badge;
    paths.push_back(std::move(j));
  }
  return {{"learner", v.learner}, {"account", v.account}, {"segments", v.segments}, {"paths", std::move(paths)}};
}

json to_json(const LearnerSegments& s) {
  json list = json::array();
  for (const auto& m : s.segments) list.push_back(segments::to_json(m));
  return {{"learner", s.learner}, {"account", s.account}, {"segments", std::move(list)}};
}

}  // namespace uplift::recommend
