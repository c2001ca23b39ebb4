// Accelerator programs and cohorts (scope admin): list programs, preview or create a cohort
// (eligibility, ranking, capacity, seeded holdout — src/cohorts), list / show cohorts, export the
// invitees as CSV or JSON, mark a cohort sent (from then on it never changes: 409), delete a
// cohort that was not sent.
//
// Cohorts live in the store's "cohorts" documents (app/cohort_store.h), so every API process
// over one database sees the same cohorts and a restart keeps them. Every write is
// compare-and-set against the stored document (store.h apply_documents), so two writers — in this
// process or another — never both win: two creates never take one id, a cohort sent meanwhile
// is never deleted or replaced. Creating one reads every stored cohort first (an account is in
// one open cohort only): those spans take the process's cohort write turn
// (app::cohort_write_turn). The workspace is only read, through one View per request.
#include <chrono>
#include <cmath>
#include <mutex>
#include <limits>
#include <cstdio>
#include <map>
#include <set>

#include <fmt/format.h>

#include "app/cohort_store.h"
#include "cohorts/select.h"
#include "http/cohort_request.h"
#include "http/json_body.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/routes.h"
#include "http/views.h"
#include "log/log.h"

namespace uplift::http {

namespace {

HttpResponse field_problem(const std::string& field, const std::string& reason) {
  Problem p;
  p.status = 422;
  p.slug = "invalid-field";
  p.title = "Invalid field";
  p.detail = field.empty() ? reason : field + ": " + reason;
  if (!field.empty()) p.extensions["field"] = field;
  return problem_response(p);
}

nlohmann::json program_json(const cohorts::Program& p) {
  const auto& e = p.eligibility;
  nlohmann::json el = {{"reached_days_ago_min", e.reached_days_ago_min}, {"plans", e.plans}, {"tiers", e.tiers},
                       {"stages", e.stages}, {"roles", e.roles}};
  if (!e.reached.empty()) el["reached"] = e.reached;
  if (!e.lacks_milestone.empty()) el["lacks_milestone"] = e.lacks_milestone;
  if (e.target_event_max_30d) el["target_event_max_30d"] = *e.target_event_max_30d;
  nlohmann::json j = {{"id", p.id},
                      {"title", p.title.empty() ? p.id : p.title},
                      {"target_milestone", p.target_milestone},
                      {"target_event", p.target_event},
                      {"sessions", p.sessions},
                      {"capacity", p.capacity},
                      {"holdout_fraction", p.holdout_fraction},
                      {"eligibility", el},
                      {"weights", {{"arr", p.weights.arr}, {"renewal", p.weights.renewal}, {"lag", p.weights.lag},
                                   {"practice", p.weights.practice}}}};
  return j;
}

nlohmann::json cohort_summary(const cohorts::Cohort& c) {
  return {{"id", c.id},
          {"program", c.program},
          {"status", cohorts::cohort_status_name(c.status)},
          {"created_at", format_timestamp(c.created_at)},
          {"seed", c.seed},
          {"holdout_fraction", c.holdout_fraction},
          {"capacity", c.capacity},
          {"eligible_count", c.eligible.size()},
          {"invitees_count", c.invitees.size()},
          {"holdout_count", c.holdout.size()}};
}

// The cohort's phase (cohorts::cohort_phase) with its program's number of sessions, and when it
// closed by itself after its last session.
void add_phase(nlohmann::json& j, const app::View& view, const std::vector<cohorts::Program>* programs,
               const cohorts::Cohort& c) {
  const cohorts::Program* p = programs ? cohorts::find_program(*programs, c.program) : nullptr;
  // A program no longer configured has no known last session: its cohort closes only by hand (as
  // the proposal's busy accounts count it).
  const int sessions = p ? p->sessions : std::numeric_limits<int>::max();
  j["phase"] = cohorts::cohort_phase(c, view.data(), sessions, view.as_of());
  if (c.status == cohorts::CohortStatus::kSent)
    if (auto at = cohorts::last_session_at(c, view.data(), sessions, view.as_of()))
      j["closed_after_last_session"] = format_timestamp(*at);
}

nlohmann::json cohort_view(const cohorts::Cohort& c) {
  nlohmann::json j = cohorts::cohort_to_json(c);
  j["eligible_count"] = c.eligible.size();
  j["invitees_count"] = c.invitees.size();
  j["holdout_count"] = c.holdout.size();
  return j;
}

// Every eligible account of a proposal with what happened to it and why.
nlohmann::json eligible_accounts(const app::View& view, const cohorts::Proposal& p) {
  const cohorts::Cohort& c = p.cohort;
  std::map<std::string, const cohorts::Invitee*> invited;
  for (const auto& i : c.invitees) invited[i.account] = &i;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t rank = 0; rank < c.eligible.size(); ++rank) {
    const std::string& id = c.eligible[rank];
    nlohmann::json row = {{"account", id}, {"rank", rank + 1}, {"stage", stage_of(view, id)}};
    if (auto s = p.scores.find(id); s != p.scores.end()) row["score"] = std::round(s->second * 1000) / 1000;
    if (const Account* a = view.data().account(id)) {
      if (!a->name.empty()) row["name"] = a->name;
      if (a->arr) row["arr"] = *a->arr;
      if (!a->csm.empty()) row["csm"] = a->csm;
      if (a->renewal_date) row["renewal_date"] = format_date(*a->renewal_date);
    }
    if (auto it = invited.find(id); it != invited.end()) {
      row["selection"] = "invited";
      row["reason"] = it->second->reason;
    } else if (c.held_out(id)) {
      row["selection"] = "holdout";
      row["reason"] = fmt::format("eligible, kept out at random as the control (seed {})", c.seed);
    } else {
      row["selection"] = "beyond_capacity";
      row["reason"] = fmt::format("eligible, ranked {} — below the {} accounts that fit", rank + 1,
                                  c.invitees.size() + c.holdout.size());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// "<base>", or "<base>-2", "<base>-3"… whichever no stored cohort uses.
std::string unique_id(const std::string& base, const std::vector<cohorts::Cohort>& existing) {
  std::set<std::string> taken;
  for (const auto& c : existing) taken.insert(c.id);
  if (!taken.count(base)) return base;
  for (int n = 2;; ++n)
    if (auto id = fmt::format("{}-{}", base, n); !taken.count(id)) return id;
}

HttpResponse create_cohort(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto mt = ctx.request.media_type();
  if (mt != "application/json")
    return problem_response(unsupported_media_type("send the cohort request as Content-Type: application/json" +
                                                   (mt.empty() ? std::string() : "; got " + mt)));
  auto body = parse_json(ctx.request.body);
  if (!body.ok()) return problem_response(bad_request(body.status().message()));
  auto parsed = parse_cohort_request(*body);
  if (auto* e = std::get_if<CohortFieldError>(&parsed)) {
    if (e->field.empty()) return problem_response(bad_request(e->reason));
    return field_problem(e->field, e->reason);
  }
  const CohortRequest& req = std::get<CohortRequest>(parsed);

  const std::shared_ptr<const app::Config> config = ws->config();  // one config for the whole request
  const auto* programs = &config->programs;  // validated when the config loaded
  const cohorts::Program* program = cohorts::find_program(*programs, req.program);
  if (!program) {
    std::string known;
    for (const auto& p : *programs) known += (known.empty() ? "" : ", ") + p.id;
    return field_problem("program", fmt::format("no program '{}' (programs: {})", req.program.substr(0, 60),
                                                known.empty() ? "none configured" : known));
  }

  // From reading the stored cohorts to writing the new one, this process's cohort writes go one
  // at a time: two proposals must not both take an account that is free in what they read.
  std::unique_lock<std::mutex> turn;
  if (!req.preview) turn = app::cohort_write_turn();
  // A cohort without a given id is created under a default one naming the program and quarter (a
  // second cohort that quarter gets "-2"). Another server process on the same database may take
  // that id between the look and the write: the write creates only where no cohort is, and on a
  // lost race the proposal is made again under the next free id.
  constexpr int kAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    auto existing = app::load_cohorts(ws->store());
    if (!existing.ok()) return failure_response(existing.status(), "cohorts");
    cohorts::ProposeOptions o;
    o.capacity = req.capacity;
    o.holdout_fraction = req.holdout_fraction;
    o.seed = req.seed;
    o.id = req.id;
    o.existing = *existing;
    o.programs = programs;
    o.content = &config->content;
    cohorts::Proposal proposal;
    nlohmann::json eligible;
    {
      const app::View view = ws->view();
      o.as_of = req.as_of ? start_of(*req.as_of + 1) - 1 : view.as_of();
      auto states = view.state_lookup();
      auto p = cohorts::propose_cohort(view.data(), states, *program, o);
      if (p.ok() && req.id.empty()) {
        std::string id = unique_id(p->cohort.id, *existing);
        if (id != p->cohort.id) {
          o.id = id;
          p = cohorts::propose_cohort(view.data(), states, *program, o);
        }
      }
      if (!p.ok()) return failure_response(p.status(), "cohorts");
      proposal = std::move(*p);
      if (req.preview) eligible = eligible_accounts(view, proposal);
    }
    const cohorts::Cohort& c = proposal.cohort;
    if (req.preview) {
      nlohmann::json j = cohort_view(c);
      j["preview"] = true;
      j["excluded"] = proposal.excluded;
      j["power"] = cohorts::power_to_json(proposal.power);
      j["eligible_accounts"] = std::move(eligible);
      return json_response(j);
    }
    bool replaced = false;
    if (req.id.empty()) {
      auto created = app::create_cohort(ws->store(), c, wall_clock_now());
      if (!created.ok()) return failure_response(created.status(), "cohorts");
      if (!*created) {
        if (attempt < kAttempts) continue;
        return failure_response(Status::Unavailable(
            fmt::format("every default cohort id tried was taken meanwhile ({} attempts); try again", kAttempts)), "cohorts");
      }
    } else {
      for (const auto& e : *existing) replaced = replaced || e.id == c.id;
      Status st = app::save_cohort(ws->store(), c, wall_clock_now());
      if (!st.ok()) return failure_response(st, "cohorts");
    }
    nlohmann::json j = cohort_view(c);
    j["excluded"] = proposal.excluded;
    j["power"] = cohorts::power_to_json(proposal.power);
    auto r = json_response(j, replaced ? 200 : 201);
    r.set_header("Location", "/v1/cohorts/" + c.id);
    return r;
  }
}

HttpResponse list_cohorts(Service& service, const RequestContext& ctx) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto program = text_param(ctx.request, "program");
  auto status = enum_param(ctx.request, "status", "", {"proposed", "sent", "closed"});
  for (const Status* s : {&program.status(), &status.status()})
    if (!s->ok()) return problem_response(problem_from_status(*s));
  auto all = app::load_cohorts(ws->store());
  if (!all.ok()) return failure_response(all.status(), "cohorts");
  const app::View view = ws->view();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : *all) {
    if (!program->empty() && c.program != *program) continue;
    auto j = cohort_summary(c);
    add_phase(j, view, &view.programs(), c);
    // A cohort closed after its last session is "closed" to this filter, though its stored status is "sent".
    const std::string effective = j["phase"] == "closed" ? "closed" : std::string(cohorts::cohort_status_name(c.status));
    if (!status->empty() && effective != *status) continue;
    items.push_back(std::move(j));
  }
  std::size_t total = items.size();
  return json_response({{"items", std::move(items)}, {"total", total}});
}

// The invitee rows exactly as the CSV has them (cohorts::invitee_rows), as objects keyed by
// column.
nlohmann::json invitee_objects(const cohorts::Cohort& c, const Dataset& data) {
  nlohmann::json rows = nlohmann::json::array();
  for (const cohorts::InviteeRow& r : cohorts::invitee_rows(c, data)) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < r.size(); ++i) row[cohorts::kInviteeColumns[i]] = r[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

HttpResponse invitees(Service& service, const RequestContext& ctx, bool csv) {
  app::Workspace* ws = service.ws();
  if (!ws) return loading_response();
  auto c = app::get_cohort(ws->store(), ctx.param("id"));
  if (!c.ok()) return failure_response(c.status(), "cohorts");
  const app::View view = ws->view();
  if (!csv) return json_response({{"cohort", c->id}, {"status", cohorts::cohort_status_name(c->status)},
                                  {"items", invitee_objects(*c, view.data())}});
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8; header=present";
  r.body = cohorts::invitees_csv(*c, view.data());
  r.set_header("Content-Disposition", "attachment; filename=\"cohort-" + c->id + "-invitees.csv\"");
  return r;
}

}  // namespace

void add_cohort_routes(Api& api, Service& service) {
  api.add("GET", "/v1/programs", Access::kAdmin, [&service](const RequestContext&) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    nlohmann::json items = nlohmann::json::array();
    for (const auto& p : ws->config()->programs) items.push_back(program_json(p));
    return json_response({{"items", items}});
  });

  api.add("GET", "/v1/cohorts", Access::kAdmin,
          [&service](const RequestContext& ctx) { return list_cohorts(service, ctx); });
  api.add("POST", "/v1/cohorts", Access::kAdmin,
          [&service](const RequestContext& ctx) { return create_cohort(service, ctx); });

  api.add("GET", "/v1/cohorts/{id}", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    auto c = app::get_cohort(ws->store(), ctx.param("id"));
    if (!c.ok()) return failure_response(c.status(), "cohorts");
      const app::View view = ws->view();
    auto j = cohort_view(*c);
    add_phase(j, view, &view.programs(), *c);
    return json_response(j);
  });

  api.add("DELETE", "/v1/cohorts/{id}", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    Status st = app::delete_cohort(ws->store(), ctx.param("id"));  // only if still proposed
    if (!st.ok()) return failure_response(st, "cohorts");
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    return r;
  });

  api.add("POST", "/v1/cohorts/{id}/send", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    auto c = app::send_cohort(ws->store(), ctx.param("id"), wall_clock_now());
    if (!c.ok()) return failure_response(c.status(), "cohorts");
    return json_response(cohort_view(*c));
  });

  api.add("POST", "/v1/cohorts/{id}/close", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    auto c = app::close_cohort(ws->store(), ctx.param("id"), wall_clock_now());
    if (!c.ok()) return failure_response(c.status(), "cohorts");
    return json_response(cohort_view(*c));
  });

  api.add("GET", "/v1/cohorts/{id}/invitees.csv", Access::kAdmin,
          [&service](const RequestContext& ctx) { return invitees(service, ctx, true); });
  api.add("GET", "/v1/cohorts/{id}/holdout.csv", Access::kAdmin, [&service](const RequestContext& ctx) {
    app::Workspace* ws = service.ws();
    if (!ws) return loading_response();
    auto c = app::get_cohort(ws->store(), ctx.param("id"));
    if (!c.ok()) return failure_response(c.status(), "cohorts");
    const app::View view = ws->view();
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8; header=present";
    r.body = cohorts::holdout_csv(*c, view.data());
    r.set_header("Content-Disposition", "attachment; filename=\"cohort-" + c->id + "-holdout.csv\"");
    return r;
  });
  api.add("GET", "/v1/cohorts/{id}/invitees.json", Access::kAdmin,
          [&service](const RequestContext& ctx) { return invitees(service, ctx, false); });
}

}  // namespace uplift::http
