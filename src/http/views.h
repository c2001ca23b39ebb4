// JSON views of the workspace for the read endpoints: an account with its adoption state, a
// learner with its history. Pure functions of one View of the workspace (app/view.h).
#pragma once

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
nlohmann::json learner_view(const app::View& view, const Learner& l, bool detail);

// The account's stage name (first stage when not evaluated).
std::string stage_of(const app::View& view, const std::string& account);

}  // namespace uplift::http
