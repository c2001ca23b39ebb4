#include "demo/accounts.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "demo/commercial.h"

namespace uplift::demo {
namespace {

const std::vector<std::string> kCsms = {"ana", "ben", "carla", "dev", "elena", "farid",
                                        "grace", "hugo", "ines", "jon", "kemi", "luis"};
const std::vector<std::string> kNameFirst = {
    "Northwind", "Bluepeak", "Cedar", "Summit", "Harbor", "Ironwood", "Lumen", "Maple", "Nimbus",
    "Orchid", "Pioneer", "Quartz", "Redline", "Silverline", "Tidewater", "Upland", "Vantage",
    "Willow", "Apex", "Beacon", "Cobalt", "Driftwood", "Evergreen", "Falcon", "Granite", "Helix"};
const std::vector<std::string> kNameSecond = {
    "Logistics", "Health", "Foods", "Energy", "Capital", "Robotics", "Media", "Retail", "Labs",
    "Insurance", "Biotech", "Freight", "Software", "Hotels", "Motors", "Partners", "Pharma",
    "Telecom", "Studios", "Systems"};
const std::vector<std::string> kFirstNames = {
    "maria", "james", "wei", "fatima", "olivia", "liam", "sofia", "noah", "aisha", "lucas", "mei",
    "omar", "emma", "mateo", "priya", "ethan", "chloe", "yusuf", "hana", "leo", "nora", "ravi",
    "zoe", "ivan", "sara", "diego", "lena", "kofi", "anya", "tom"};
const std::vector<std::string> kLastNames = {
    "chen", "garcia", "smith", "khan", "muller", "rossi", "nguyen", "okafor", "silva", "kim",
    "novak", "haddad", "johnson", "tanaka", "lopez", "brown", "ivanova", "patel", "dubois",
    "jensen", "costa", "ali", "schmidt", "park", "moreau"};


std::string slugify(const std::string& name, int index) {
  std::string s;
  for (char c : name) s += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fmt::format("{}-{}", s, index + 1);
}

void draw_firmographics(AccountPlan& a, Rng& r) {
  double u = r.uniform();
  a.audience = u < 0.03 ? "trial" : u < 0.05 ? "partner" : u < 0.06 ? "employee" : "customer";
  if (a.audience == "trial") {
    a.tier = "smb";
  } else {
    a.tier = std::vector<std::string>{"smb", "midmarket", "upmarket"}[r.weighted({55, 30, 15})];
  }
  if (a.tier == "smb") a.plan = r.bernoulli(0.7) ? "starter" : "business";
  if (a.tier == "midmarket") a.plan = r.bernoulli(0.7) ? "business" : "enterprise";
  if (a.tier == "upmarket") a.plan = r.bernoulli(0.9) ? "enterprise" : "business";
  if (a.audience == "customer") {
    if (a.tier == "smb") a.arr0 = std::round(r.uniform(10'000, 40'000) / 100) * 100;
    if (a.tier == "midmarket") a.arr0 = std::round(r.uniform(40'000, 150'000) / 100) * 100;
    if (a.tier == "upmarket") a.arr0 = std::round(150'000 * std::pow(1'000'000.0 / 150'000, r.uniform()) / 1000) * 1000;
    a.csm = r.pick(kCsms);
  }
  a.name = r.pick(kNameFirst) + " " + r.pick(kNameSecond);
  a.slug = slugify(a.name, a.index);
  a.active_threshold = a.tier == "upmarket" ? 25 : 10;
}

// Stage reached by now and the dates of reaching each stage; created_at follows from them.
void draw_journey(AccountPlan& a, const Timeline& tl, Rng& r) {
  const Timestamp today = tl.now - kMsPerDay;
  if (a.audience == "trial") {
    a.stage = Stage::kOnboarding;
    a.created_at = during_work_hours(tl.now - days(r.uniform(5, 45)), r);
    return;
  }
  a.stage = static_cast<Stage>(r.weighted({30, 35, 25, 10}));
  if (a.stage == Stage::kOnboarding) {
    a.created_at = during_work_hours(tl.now - days(r.uniform(10, 400)), r);
    return;
  }
  const double d1 = r.uniform(20, 90), d2 = r.uniform(30, 150), d3 = r.uniform(45, 150);
  Timestamp reached = std::min(today, during_work_hours(tl.now - days(r.uniform(10, 330)), r));
  if (a.stage == Stage::kMature) {
    a.mature_at = during_work_hours(tl.now - days(r.uniform(10, 250)), r);
    reached = *a.mature_at - days(d3);
  }
  if (a.stage >= Stage::kAdvanced) {
    a.advanced_at = a.stage == Stage::kMature ? during_work_hours(reached, r)
                                              : during_work_hours(tl.now - days(r.uniform(10, 300)), r);
    reached = *a.advanced_at - days(d2);
  }
  a.foundational_at = during_work_hours(reached, r);
  a.created_at = during_work_hours(*a.foundational_at - days(d1), r);
}

// Drops the stages an account would have reached after it churned.
void truncate_at_churn(AccountPlan& a) {
  if (!a.churned_on) return;
  const Timestamp end = start_of(*a.churned_on);
  if (a.mature_at && *a.mature_at >= end) a.mature_at.reset();
  if (a.advanced_at && *a.advanced_at >= end) a.advanced_at.reset();
  if (a.foundational_at && *a.foundational_at >= end) a.foundational_at.reset();
  a.stage = a.mature_at ? Stage::kMature
            : a.advanced_at ? Stage::kAdvanced
            : a.foundational_at ? Stage::kFoundational
                                : Stage::kOnboarding;
}

void draw_learners(AccountPlan& a, const DemoConfig& cfg, const Timeline& tl, Rng& r) {
  // Enough learners for the active-learner criterion (10, or 25 upmarket) plus one.
  int n = a.audience == "trial"   ? static_cast<int>(r.uniform_int(3, 9))
          : a.tier == "smb"       ? static_cast<int>(r.uniform_int(11, 15))
          : a.tier == "midmarket" ? static_cast<int>(r.uniform_int(13, 19))
                                  : static_cast<int>(r.uniform_int(28, 40));
  const Timestamp end = a.churned_on ? start_of(*a.churned_on) : tl.now;
  const int early = static_cast<int>(r.uniform_int(2, 5));
  const double login_scale = 0.06 * cfg.events_per_account / 500.0;
  std::set<std::string> emails;
  for (int k = 0; k < n; ++k) {
    LearnerPlan l;
    l.id = fmt::format("{}-u{:02d}", a.id, k + 1);
    if (k == 0 || (k < 3 && r.bernoulli(0.4))) {
      l.role = "admin";
    } else if (k == 1 || k == 3) {
      l.role = "legal";
    } else {
      l.role = std::vector<std::string>{"admin", "legal", "sales_ops", "business_user"}[r.weighted({8, 27, 20, 45})];
    }
    l.access_level = l.role == "admin" ? "admin" : "standard";
    std::string email = fmt::format("{}.{}@{}.example.com", r.pick(kFirstNames), r.pick(kLastNames), a.slug);
    if (!emails.insert(email).second) email = fmt::format("{}{}", k + 1, email), emails.insert(email);
    l.email = email;
    Timestamp active;
    if (k < early) {
      active = a.created_at + days(r.uniform(0, 7));
    } else if (a.foundational_at) {
      const Timestamp f = *a.foundational_at;
      if (k > a.active_threshold && r.bernoulli(0.4) && end - f > days(10)) {
        active = f + days(r.uniform(1, static_cast<double>(end - f) / kMsPerDay - 5));
      } else {
        active = std::max(a.created_at + kMsPerDay, f - days(r.uniform(3, 25)));
      }
    } else {
      active = a.created_at + days(r.uniform(0, 0.8 * static_cast<double>(end - a.created_at) / kMsPerDay));
    }
    l.active_from = during_work_hours(active, r);
    l.created_at = std::max(a.created_at, l.active_from - r.uniform_int(3600, 48 * 3600) * 1000);
    l.login_p = r.uniform(0.5, 1.5) * login_scale;
    a.learners.push_back(std::move(l));
  }
}

void draw_usage(AccountPlan& a, const DemoConfig& cfg, const Timeline& tl, Rng& r) {
  const double v = cfg.events_per_account / 500.0;
  if (a.foundational_at) {
    const double lagging_p = a.stage == Stage::kFoundational ? 0.4 : a.stage == Stage::kAdvanced ? 0.25 : 0.1;
    a.dm_rate = r.bernoulli(lagging_p) ? r.uniform(0.15, 0.8) : v * r.uniform(1.5, 3.0);
  }
  const double ai_rate = v * r.uniform(0.2, 1.2);
  if (a.advanced_at) a.contract_rate = v * r.uniform(0.15, 0.5);
  if (a.mature_at) a.ai_rate = ai_rate;  // AI review is what makes an advanced account mature
  // Out-of-order AI adoption: a first AI review before the fundamentals are in place.
  const Timestamp end = a.churned_on ? start_of(*a.churned_on) : tl.now;
  const Timestamp limit = a.foundational_at ? *a.foundational_at : end;
  if (a.out_of_order && limit - a.created_at <= days(8)) a.out_of_order = false;
  if (a.out_of_order) {
    a.first_ai_run = during_work_hours(
        a.created_at + days(r.uniform(3, static_cast<double>(limit - a.created_at) / kMsPerDay - 2)), r);
    if (*a.first_ai_run >= limit) a.out_of_order = false, a.first_ai_run.reset();
  }
  if (a.foundational_at && !a.churned_on && *a.foundational_at < tl.now - days(60))
    a.decline = r.bernoulli(0.075);
}

}  // namespace

Timestamp during_work_hours(Timestamp day, Rng& rng) {
  const Timestamp d0 = start_of(date_of(day));
  return d0 + 9 * kMsPerHour + rng.uniform_int(0, 9 * 3600 - 1) * 1000;
}

std::vector<AccountPlan> plan_accounts(const DemoConfig& cfg, const Timeline& tl) {
  std::vector<AccountPlan> plans(static_cast<std::size_t>(cfg.accounts));
  for (int i = 0; i < cfg.accounts; ++i) {
    AccountPlan& a = plans[static_cast<std::size_t>(i)];
    a.index = i;
    a.seed = derive(cfg.seed, 1, static_cast<std::uint64_t>(i));
    a.id = fmt::format("acct-{:05d}", i + 1);
    Rng r(a.seed);
    draw_firmographics(a, r);
    draw_journey(a, tl, r);
    // Out-of-order adopters renew worse, so the flag is drawn before renewals.
    // Only onboarding and foundational accounts: in milestones/clm.json an AI review run before
    // foundational counts for ai_review_used once foundational is reached, which would make an
    // advanced account mature.
    a.out_of_order = a.stage <= Stage::kFoundational && r.bernoulli(a.stage == Stage::kOnboarding ? 0.12 : 0.126);
    plan_renewals(a, tl, r);
    truncate_at_churn(a);
    draw_learners(a, cfg, tl, r);
    draw_usage(a, cfg, tl, r);
  }
  return plans;
}

}  // namespace uplift::demo
