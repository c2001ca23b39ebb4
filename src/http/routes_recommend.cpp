// Learning endpoints (scope lms or admin), served from one View of the in-memory workspace
// (app/view.h: never waiting for ingest's evaluation): the segment catalog with member counts, a segment's learners (paged like the other
// lists), a learner's segments with the rule that matched, the learner's ranked recommendations
// and the learner's segment paths with done/next. Bodies are the recommend/segments modules'
// JSON (the same as `uplift recommend --json` / `uplift segments … --json`), so the CLI and the
// API cannot drift apart. Every answer reflects records whose ingest was answered before the
// request: an ingest is answered once the version evaluated from it is published.
#include "core/time.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "http/views.h"
#include "recommend/recommend.h"
#include "segments/segment.h"

namespace uplift::http {

namespace {

// Largest `limit` a recommendation request may ask for; more is a 400, not a silent clamp.
constexpr long kMaxRecommendations = 50;
constexpr long kDefaultRecommendations = 5;

HttpResponse list_segments(Service& service) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const app::View view = ws->view();
  const auto& set = view.segments();
  const std::vector<long>& counts = view.segment_sizes();  // maintained by the writer
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < set.segments.size(); ++i) {
    auto j = segments::to_json(set.segments[i]);
    j["learners"] = counts[i];
    list.push_back(std::move(j));
  }
  return json_response({{"as_of", format_timestamp(view.as_of())}, {"segments", std::move(list)}});
}

HttpResponse segment_learners(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto page = page_params(ctx.request, 100);
  if (!page.ok()) return failure_response(page.status(), "recommend");
  const app::View view = ws->view();
  auto m = segments::members(
      view.segments(), ctx.param("id"), view.data(), view.state_lookup(), view.as_of(),
      page->offset(), static_cast<std::size_t>(page->per_page));
  if (!m.ok()) return failure_response(m.status(), "recommend");
  nlohmann::json items = nlohmann::json::array();
  for (const auto& id : m->learners)
    if (LearnerRef l = view.data().learner(id)) items.push_back(learner_view(view, *l, false));
  return json_response({{"segment", m->segment},
                        {"as_of", format_timestamp(view.as_of())},
                        {"items", std::move(items)},
                        {"total", m->total},
                        {"page", page->page},
                        {"per_page", page->per_page}});
}

HttpResponse learner_segments(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const app::View view = ws->view();
  auto r = recommend::learner_segments(view.recommend_context(), ctx.param("id"));
  if (!r.ok()) return failure_response(r.status(), "recommend");
  auto body = recommend::to_json(*r);
  // Each match also carries the segment's title and whole rule, so a client can show both the
  // rule as written and the conditions that decided it without a second request.
  for (auto& m : body["segments"]) {
    if (const auto* s = view.segments().find(m["segment"].get<std::string>())) {
      if (!s->title.empty()) m["title"] = s->title;
      m["rule"] = segments::rule_to_json(s->rule);
    }
  }
  body["as_of"] = format_timestamp(view.as_of());
  return json_response(body);
}

HttpResponse recommendations(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto limit = int_param(ctx.request, "limit", kDefaultRecommendations, 1, kMaxRecommendations);
  if (!limit.ok()) return failure_response(limit.status(), "recommend");
  const app::View view = ws->view();
  auto r = recommend::recommend(view.recommend_context(), ctx.param("id"), static_cast<std::size_t>(*limit));
  if (!r.ok()) return failure_response(r.status(), "recommend");
  HttpResponse out;  // the hot path: written straight to text, the same bytes as json_response(to_json(*r))
  out.body = recommend::to_json_text(*r);
  return out;
}

HttpResponse learner_path(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  const app::View view = ws->view();
  auto v = recommend::learning_path(view.recommend_context(), ctx.param("id"));
  if (!v.ok()) return failure_response(v.status(), "recommend");
  return json_response(recommend::to_json(*v));
}

}  // namespace

void add_recommend_routes(Api& api, Service& service) {
  api.add("GET", "/v1/segments", Access::kRead, [&service](const RequestContext&) { return list_segments(service); });
  api.add("GET", "/v1/segments/{id}/learners", Access::kRead,
          [&service](const RequestContext& ctx) { return segment_learners(service, ctx); });
  // One learner's reads: bounded work over the pinned View, answered at the front door.
  api.add("GET", "/v1/learners/{id}/segments", Access::kLearner,
          [&service](const RequestContext& ctx) { return learner_segments(service, ctx); }, Lane::kFrontDoor);
  api.add("GET", "/v1/learners/{id}/recommendations", Access::kLearner,
          [&service](const RequestContext& ctx) { return recommendations(service, ctx); }, Lane::kFrontDoor);
  api.add("GET", "/v1/learners/{id}/path", Access::kLearner,
          [&service](const RequestContext& ctx) { return learner_path(service, ctx); }, Lane::kFrontDoor);
}

}  // namespace uplift::http
