// GET /v1/unresolved (scope read): records from other systems waiting for their person
// (app/unresolved.h), oldest first, filtered by source, paged. They are applied by themselves
// once a learner record or alias makes them resolvable (the server's tick).
#include <algorithm>

#include "app/unresolved.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"

namespace uplift::http {

void add_unresolved_routes(Api& api, Service& service) {
  api.add("GET", "/v1/unresolved", Access::kRead, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    const auto& r = ctx.request;
    if (Status known = known_params(r, {"page", "per_page", "source"}); !known.ok())
      return problem_response(problem_from_status(known));
    auto page = page_params(r);
    auto source = text_param(r, "source", 64);
    for (const Status* s : {&page.status(), &source.status()})
      if (!s->ok()) return problem_response(problem_from_status(*s));
    std::vector<app::UnresolvedEntry> entries;
    std::size_t unreadable = 0;
    Status st = ws->store().scan_documents(app::kUnresolvedCollection, [&](const Document& d) {
      auto e = app::unresolved_from_document(d);
      if (!e.ok()) ++unreadable;
      else if (source->empty() || e->source == *source) entries.push_back(std::move(*e));
      return true;
    });
    if (!st.ok()) return problem_response(problem_from_status(st));
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.received_at < b.received_at; });
    nlohmann::json items = nlohmann::json::array();
    for (std::size_t i = page->offset(); i < entries.size() && items.size() < static_cast<std::size_t>(page->per_page); ++i)
      items.push_back(app::unresolved_to_json(entries[i]));
    nlohmann::json body = {{"items", items}, {"total", entries.size()}, {"page", page->page}, {"per_page", page->per_page}};
    if (unreadable) body["unreadable"] = unreadable;
    return json_response(body);
  });
}

}  // namespace uplift::http
