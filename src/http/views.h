// JSON views of the workspace for the read endpoints: an account with its adoption state, a
// learner with its history. Pure functions of one View of the workspace (app/view.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/view.h"

namespace uplift::http {

// Every account id the workspace knows (records or evaluated state), sorted.
std::vector<std::string> known_accounts(const app::View& view);

// {id, name, plan, tier, csm, arr, renewal_date, audience, stage, stage_reached_at, frontier,
//  flags} and, when `detail`, {milestones, learners}. The stage of an account without an
// evaluated state is the graph's first stage.
nlohmann::json account_view(const app::View& view, const std::string& id, bool detail);

// {id, account, email, role, access_level, created_at, audience, stage} and, when `detail`,
// {completions, attendance}.
nlohmann::json learner_view(const app::View& view, LearnerRef l, bool detail);

// The stage's position in the graph's stages, -1 when it is not one of them.
int stage_rank(const app::View& view, const std::string& stage);
// `s` in lower case (ASCII), for the lists' `q` search.
std::string lower_case(std::string_view s);

// The account's stage name (first stage when not evaluated).
std::string stage_of(const app::View& view, const std::string& account);

// Days since the account last reached a milestone (or since it was created, before any), at the
// view's as-of; nullopt when neither is known.
std::optional<long> days_without_progress(const app::View& view, const std::string& id);

// The console's account list (GET /v1/accounts): which accounts a filter keeps, in which order.
// Filters and sorts on the records and states themselves; only the page's accounts are then
// turned into JSON (account_view), so a page costs one pass over the accounts, not one JSON
// object per account. Empty strings and nullopt filter nothing; `stalled_days` < 0 neither.
struct AccountQuery {
  // The one definition of "accounts" (the funnel, the list, `uplift stages`, the movement and the
  // report): account records of the audience. Product events for an account without a record
  // give it a milestone state; it is listed only without an audience (its audience is not known).
  std::optional<Audience> audience;
  std::string stage, tier, plan, csm, q;  // q: part of the id or name, any case
  bool flagged = false;
  std::string flag;                       // a flag kind the account must carry
  long stalled_days = -1;                 // reached nothing for at least this many days
  std::string sort = "id";                // id name stage arr csm tier plan renewal_date stalled_days
  bool descending = false;                // ties: by id, ascending
};
struct AccountRow {
  std::string id;
  std::optional<long> stalled_days;  // days_without_progress
};
// One page of the selection: `total` accounts match; `rows` are those at [offset, offset + limit)
// in the query's order. Only the page is ordered (a partial selection), so a page of a hundred
// thousand accounts costs one pass over them, not a sort of all.
struct AccountPage {
  std::size_t total = 0;
  std::vector<AccountRow> rows;
};
AccountPage select_accounts(const app::View& view, const AccountQuery& query, std::size_t offset, std::size_t limit);

}  // namespace uplift::http
