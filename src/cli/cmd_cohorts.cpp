// `uplift cohorts`: propose an accelerator cohort (eligibility, ranking, capacity, seeded
// holdout), import/list/show cohorts, export invitees as CSV and mark a cohort sent.
#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "app/cohort_store.h"
#include "app/workspace.h"
#include "cli/commands.h"
#include "cohorts/select.h"

namespace uplift::cli::cmd_cohorts {
namespace {

struct Flags {
  std::string db, config, program, id, file, as_of;
  std::optional<int> capacity;
  std::optional<double> holdout;
  std::optional<std::uint64_t> seed;
  bool create = false, json = false, csv = false;
};

int fail(std::string_view cmd, const Status& st) {
  fmt::print(stderr, "uplift cohorts {}: {}\n", cmd, st.message());
  return st.code() == Code::kInvalidArgument || st.code() == Code::kNotFound ||
                 st.code() == Code::kFailedPrecondition
             ? 1
             : 2;
}

Result<std::unique_ptr<Store>> open_store(const Flags& f) { return Store::open(default_store_url(f.db)); }

Result<std::unique_ptr<app::Workspace>> open_workspace(const Flags& f) {
  app::WorkspaceOptions o;
  o.config_dir = f.config;
  o.persist_state = false;
  return app::Workspace::open(default_store_url(f.db), o);
}

int propose(const Flags& f) {
  auto ws = open_workspace(f);
  if (!ws.ok()) return fail("propose", ws.status());
  const app::View view = (*ws)->view();
  const std::vector<cohorts::Program>* programs = &view.programs();  // validated when it opened
  const cohorts::Program* p = cohorts::find_program(*programs, f.program);
  if (!p) return fail("propose", Status::NotFound(fmt::format("no program '{}' in content_maps", f.program)));
  auto existing = app::load_cohorts((*ws)->store());
  if (!existing.ok()) return fail("propose", existing.status());
  cohorts::ProposeOptions o;
  o.as_of = view.as_of();
  if (!f.as_of.empty()) {
    auto d = parse_date(f.as_of);
    if (!d.ok()) return fail("propose", Status::InvalidArgument("--as-of: " + d.status().message()));
    o.as_of = start_of(*d + 1) - 1;
  }
  o.capacity = f.capacity;
  o.holdout_fraction = f.holdout;
  o.seed = f.seed;
  o.id = f.id;
  o.existing = *existing;
  o.programs = programs;
  o.content = &view.content();
  auto proposal = cohorts::propose_cohort(view.data(), view.state_lookup(), *p, o);
  if (!proposal.ok()) return fail("propose", proposal.status());
  const cohorts::Cohort& c = proposal->cohort;
  if (f.create) {
    Status st = app::save_cohort((*ws)->store(), c, wall_clock_now());
    if (!st.ok()) return fail("propose", st);
  }
  if (f.csv) {
    fmt::print("{}", cohorts::invitees_csv(c, view.data()));
  } else if (f.json) {
    nlohmann::json j = cohorts::cohort_to_json(c);
    j["excluded"] = proposal->excluded;
    j["power"] = cohorts::power_to_json(proposal->power);
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("cohort {} ({}): {} eligible, {} invited, {} held out (seed {}, holdout {:g}){}\n", c.id, c.program,
               c.eligible.size(), c.invitees.size(), c.holdout.size(), c.seed, c.holdout_fraction,
               f.create ? " — saved" : " — not saved (use --create)");
    const cohorts::Power& pw = proposal->power;
    if (pw.mde_pct)
      fmt::print("  power: the smallest {} lift this cohort can detect is {:.1f}% (80% power, α 0.05; {} participants "
                 "and {} controls using it, if every invitee attends)\n",
                 p->target_event, *pw.mde_pct, pw.treated, pw.control);
    else
      fmt::print("  power: minimum detectable effect not estimable: {}\n", pw.not_estimable);
    for (const auto& [why, n] : proposal->excluded) fmt::print("  excluded {:>6}  {}\n", n, why);
    for (const auto& i : c.invitees) fmt::print("  {}  csm {}  {}\n", i.account, i.csm.empty() ? "-" : i.csm, i.reason);
  }
  return 0;
}

int import_file(const Flags& f) {
  auto list = cohorts::load_cohorts_file(f.file);
  if (!list.ok()) return fail("import", list.status());
  auto store = open_store(f);
  if (!store.ok()) return fail("import", store.status());
  for (const auto& c : *list) {
    Status st = app::save_cohort(**store, c, wall_clock_now());
    if (!st.ok()) return fail("import", st.with_context(c.id));
  }
  fmt::print("imported {} cohort(s) from {}\n", list->size(), f.file);
  return 0;
}

int list(const Flags& f) {
  auto store = open_store(f);
  if (!store.ok()) return fail("list", store.status());
  auto all = app::load_cohorts(**store);
  if (!all.ok()) return fail("list", all.status());
  if (f.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : *all) j.push_back(cohorts::cohort_to_json(c));
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{:<28} {:<28} {:<9} {:>8} {:>8} {:>8}  created\n", "id", "program", "status", "eligible", "invited", "holdout");
  for (const auto& c : *all)
    fmt::print("{:<28} {:<28} {:<9} {:>8} {:>8} {:>8}  {}\n", c.id, c.program, cohorts::cohort_status_name(c.status),
               c.eligible.size(), c.invitees.size(), c.holdout.size(), format_timestamp(c.created_at));
  return 0;
}

int show(const Flags& f) {
  auto store = open_store(f);
  if (!store.ok()) return fail("show", store.status());
  auto c = app::get_cohort(**store, f.id);
  if (!c.ok()) return fail("show", c.status());
  fmt::print("{}\n", cohorts::cohort_to_json(*c).dump(2));
  return 0;
}

// The invitee or holdout CSV of a stored cohort, names and CRM ids from the data.
int cohort_csv(const Flags& f, const char* what, std::string (*csv)(const cohorts::Cohort&, const Dataset&)) {
  auto ws = open_workspace(f);
  if (!ws.ok()) return fail(what, ws.status());
  auto c = app::get_cohort((*ws)->store(), f.id);
  if (!c.ok()) return fail(what, c.status());
  fmt::print("{}", csv(*c, (*ws)->view().data()));
  return 0;
}
int invitees(const Flags& f) { return cohort_csv(f, "invitees", cohorts::invitees_csv); }
int holdout(const Flags& f) { return cohort_csv(f, "holdout", cohorts::holdout_csv); }

int send(const Flags& f) {
  auto store = open_store(f);
  if (!store.ok()) return fail("send", store.status());
  auto c = app::send_cohort(**store, f.id, wall_clock_now());
  if (!c.ok()) return fail("send", c.status());
  fmt::print("cohort {} is sent: {} invitee(s), {} held out (no longer changeable)\n", c->id, c->invitees.size(),
             c->holdout.size());
  return 0;
}

int close(const Flags& f) {
  auto store = open_store(f);
  if (!store.ok()) return fail("close", store.status());
  auto c = app::close_cohort(**store, f.id, wall_clock_now());
  if (!c.ok()) return fail("close", c.status());
  fmt::print("cohort {} is closed: its {} invitee(s) and {} held-out account(s) may join other cohorts again\n", c->id,
             c->invitees.size(), c->holdout.size());
  return 0;
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("cohorts", "accelerator cohorts: propose, import, list, show, invitees, holdout, send, close");
  cmd->require_subcommand(1);
  auto f = std::make_shared<Flags>();
  auto add = [&](const char* name, const char* help, int (*fn)(const Flags&)) {
    auto* sub = cmd->add_subcommand(name, help);
    add_db_option(*sub, f->db);
    sub->callback([f, fn] { exit_code() = fn(*f); });
    return sub;
  };
  auto* p = add("propose", "select eligible accounts, rank them, cap at capacity and hold out a seeded random fraction",
                propose);
  p->add_option("program", f->program, "program id (content_maps/*.json programs)")->required();
  p->add_option("--capacity", f->capacity, "accounts to invite (default: the program's)");
  p->add_option("--holdout", f->holdout, "holdout fraction 0..0.9 (default: the program's)");
  p->add_option("--seed", f->seed, "random seed for the holdout (default: derived from the cohort id)");
  p->add_option("--as-of", f->as_of, "judge eligibility at the end of this date YYYY-MM-DD (default: latest data)");
  p->add_option("--id", f->id, "cohort id (default: <program>-<yyyy>q<n>)");
  p->add_option("--config", f->config, "config dir holding milestones/ and content_maps/");
  p->add_flag("--create", f->create, "save the proposal as a cohort (status proposed)");
  auto* j = p->add_flag("--json", f->json, "print the cohort as JSON");
  p->add_flag("--csv", f->csv, "print the invitee CSV")->excludes(j);
  auto* i = add("import", "save cohorts from a JSON file (an array, e.g. demo-data/cohorts.json)", import_file);
  i->add_option("file", f->file, "cohorts JSON file")->required()->check(CLI::ExistingFile);
  add("list", "list cohorts", list)->add_flag("--json", f->json, "JSON array");
  add("show", "print one cohort as JSON", show)->add_option("id", f->id, "cohort id")->required();
  auto* inv = add("invitees", "invitee CSV: account,account_name,csm,learner,email,role,reason,crm_account_id,crm_contact_id,program,cohort", invitees);
  inv->add_option("id", f->id, "cohort id")->required();
  inv->add_flag("--csv", f->csv, "CSV output (the default and only format)");
  inv->add_option("--config", f->config, "config dir holding milestones/");
  auto* hold = add("holdout",
                   "holdout CSV (a suppression list for the CRM): account,account_name,csm,arr,renewal_date,crm_account_id,"
                   "program,cohort",
                   holdout);
  hold->add_option("id", f->id, "cohort id")->required();
  hold->add_option("--config", f->config, "config dir holding milestones/");
  add("send", "mark a cohort sent: from then on it cannot change", send)->add_option("id", f->id, "cohort id")->required();
  add("close", "close a cohort (after its last session): its accounts become eligible for other cohorts", close)
      ->add_option("id", f->id, "cohort id")
      ->required();
}

}  // namespace

UPLIFT_COMMAND(cohorts, setup);

}  // namespace uplift::cli::cmd_cohorts
