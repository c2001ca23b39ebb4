// /v1/keys — API keys over HTTP (admin): list, create (the key shown once), revoke. A revocation
// made here takes effect for this server's very next request; one made by `uplift keys revoke`
// (or another server) within one background tick (tick_ms, 200 ms by default).
#include <chrono>

#include "http/json_body.h"
#include "http/problem.h"
#include "http/routes.h"

namespace uplift::http {

namespace {

// What a client may see of a key: never its hash.
nlohmann::json key_view(const ApiKey& k) {
  nlohmann::json j = {{"id", k.id},
                      {"name", k.name},
                      {"scope", scope_name(k.scope)},
                      {"created_at", format_timestamp(k.created_at)},
                      {"revoked_at", nullptr}};
  if (k.revoked_at) j["revoked_at"] = format_timestamp(*k.revoked_at);
  return j;
}

Store* store_of(Service& service) {
  app::Workspace* ws = service.ws();
  return ws ? &ws->store() : nullptr;
}

}  // namespace

void add_key_routes(Api& api, Service& service, KeyRing& ring) {
  api.add("GET", "/v1/keys", Access::kAdmin, [&service](const RequestContext&) {
    Store* store = store_of(service);
    if (!store) return loading_response();
    auto keys = list_keys(*store);
    if (!keys.ok()) return problem_response(problem_from_status(keys.status()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& k : *keys) items.push_back(key_view(k));
    return json_response({{"items", items}, {"total", keys->size()}});
  });

  api.add("POST", "/v1/keys", Access::kAdmin, [&service](const RequestContext& ctx) {
    Store* store = store_of(service);
    if (!store) return loading_response();
    if (ctx.request.media_type() != "application/json")
      return problem_response(unsupported_media_type("send the key as application/json: {\"name\": …, \"scope\": …}"));
    auto body = parse_json(ctx.request.body);
    if (!body.ok()) return problem_response(bad_request(body.status().message()));
    if (!body->is_object()) return problem_response(bad_request("the body must be a JSON object {\"name\", \"scope\"}"));
    for (const auto& [field, value] : body->items())
      if (field != "name" && field != "scope")
        return problem_response(bad_request("unknown field '" + field + "': a key has a name and a scope"));
    auto name = body->find("name");
    if (name == body->end() || !name->is_string())
      return problem_response(bad_request("field 'name' is required: a string of 1-100 characters"));
    auto scope_field = body->find("scope");
    if (scope_field == body->end() || !scope_field->is_string())
      return problem_response(bad_request("field 'scope' is required: ingest, lms, analyst or admin"));
    auto scope = parse_scope(scope_field->get<std::string>());
    if (!scope)
      return problem_response(bad_request("field 'scope': '" + scope_field->get<std::string>() +
                                          "' is not a scope (ingest, lms, analyst or admin)"));
    auto created = create_key(*store, name->get<std::string>(), *scope, wall_clock_now());
    if (!created.ok()) return problem_response(problem_from_status(created.status()));
    nlohmann::json out = key_view(created->key);
    out["key"] = created->secret;  // shown this once
    auto r = json_response(out, 201);
    r.set_header("Location", "/v1/keys/" + created->key.id);
    return r;
  });

  api.add("DELETE", "/v1/keys/{key}", Access::kAdmin, [&service, &ring](const RequestContext& ctx) {
    Store* store = store_of(service);
    if (!store) return loading_response();
    auto revoked = revoke_key_keeping_an_admin(*store, ctx.param("key"), wall_clock_now());
    if (!revoked.ok()) return problem_response(problem_from_status(revoked.status()));
    ring.remember(*revoked);  // refused from the next request on
    return json_response(key_view(*revoked));
  });
}

}  // namespace uplift::http
