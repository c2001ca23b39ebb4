#include "recommend/account_advice.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace uplift::recommend {

namespace {

// The teaching items of `milestone` a learner of this audience may see (role is not checked: the
// team assigns items to the learners they fit).
std::vector<std::uint32_t> visible_teaching(const ContentMap& content, std::string_view milestone, Audience audience) {
  std::vector<std::uint32_t> out;
  for (auto i : content.items_teaching(milestone))
    if (content.items()[i].audience_mask & audience_bit(audience)) out.push_back(i);
  return out;
}

std::set<std::string, std::less<>> completed_by(const Dataset& data, LearnerRef l, Timestamp as_of) {
  std::set<std::string, std::less<>> done;
  for (const CompletionRow& c : data.completions_of(l.id()))
    if (c.ts <= as_of && (c.status == CompletionStatus::kCompleted || c.status == CompletionStatus::kPassed))
      done.insert(data.completion_content(c));
  return done;
}

Audience account_audience(const Dataset& data, std::string_view account) {
  const Account* a = data.account(account);
  return a ? a->audience : Audience::kCustomer;
}

}  // namespace

std::size_t practised_learners(const Dataset& data, const ContentMap& content, std::string_view account,
                               std::string_view milestone, Timestamp as_of) {
  const Audience audience = account_audience(data, account);
  const auto teaching = visible_teaching(content, milestone, audience);
  if (teaching.empty()) return 0;
  std::size_t n = 0;
  for (LearnerRef l : data.learners_of(account)) {
    if (data.audience_of(*l) != audience) continue;  // as advise_account counts them
    auto done = completed_by(data, *l, as_of);
    n += std::all_of(teaching.begin(), teaching.end(),
                     [&](std::uint32_t i) { return done.count(content.items()[i].id) > 0; });
  }
  return n;
}

std::vector<MilestoneAdvice> advise_account(const Dataset& data, const milestones::AccountState* state,
                                            const ContentMap& content, std::string_view account,
                                            const ProgramFor& program_for, Timestamp as_of) {
  std::vector<MilestoneAdvice> out;
  if (!state) return out;
  const Audience audience = account_audience(data, account);
  std::vector<std::set<std::string, std::less<>>> done;  // per learner of the audience
  for (LearnerRef l : data.learners_of(account))
    if (data.audience_of(*l) == audience) done.push_back(completed_by(data, *l, as_of));
  for (const auto& m : state->frontier) {
    MilestoneAdvice a;
    a.milestone = m;
    a.program = program_for ? program_for(m) : std::string();
    a.learners = done.size();
    const auto teaching = visible_teaching(content, m, audience);
    std::vector<const CatalogItem*> untouched, live;
    for (auto i : teaching) {
      const CatalogItem& it = content.items()[i];
      if (it.type == ItemType::kLive) live.push_back(&it);
      if (std::none_of(done.begin(), done.end(), [&](const auto& d) { return d.count(it.id) > 0; }))
        untouched.push_back(&it);
    }
    for (const auto& d : done)
      a.practised += !teaching.empty() && std::all_of(teaching.begin(), teaching.end(), [&](std::uint32_t i) {
        return d.count(content.items()[i].id) > 0;
      });
    auto shortest = [](const CatalogItem* x, const CatalogItem* y) {
      return std::tie(x->minutes, x->id) < std::tie(y->minutes, y->id);
    };
    if (!untouched.empty()) {
      std::sort(untouched.begin(), untouched.end(), shortest);
      for (std::size_t i = 0; i < untouched.size() && i < 3; ++i) a.items.push_back(untouched[i]->id);
      a.action = "course";
      a.detail = fmt::format("{} teaching item(s) not completed by any of its {} learner(s): assign {}",
                             untouched.size(), a.learners, fmt::join(a.items, ", "));
    } else if (!teaching.empty()) {
      std::sort(live.begin(), live.end(), shortest);
      for (const CatalogItem* it : live) a.items.push_back(it->id);
      a.action = "practice";
      a.detail = fmt::format("every teaching item was completed by a learner, yet the milestone is not reached: practise"
                             "{}{}",
                             a.items.empty() ? "" : fmt::format(" ({} again)", fmt::join(a.items, ", ")),
                             a.program.empty() ? "" : fmt::format("; a candidate for the {} cohort", a.program));
    } else if (!a.program.empty()) {
      a.action = "accelerator";
      a.detail = fmt::format("nothing in the catalog teaches it: the {} program does", a.program);
    } else {
      a.action = "none";
      a.detail = "nothing in the catalog teaches it and no program targets it";
    }
    out.push_back(std::move(a));
  }
  return out;
}

nlohmann::json advice_to_json(const std::vector<MilestoneAdvice>& advice) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : advice) {
    nlohmann::json j = {{"milestone", a.milestone}, {"action", a.action},   {"items", a.items},
                        {"learners", a.learners},   {"practised", a.practised}, {"detail", a.detail}};
    if (!a.program.empty()) j["program"] = a.program;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace uplift::recommend
