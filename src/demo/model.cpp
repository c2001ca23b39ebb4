#include "demo/model.h"

#include <cmath>

namespace uplift::demo {

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kOnboarding: return "onboarding";
    case Stage::kFoundational: return "foundational";
    case Stage::kAdvanced: return "advanced";
    case Stage::kMature: return "mature";
  }
  return "onboarding";
}

Timeline make_timeline(const DemoConfig& cfg) {
  Timeline tl;
  tl.now = start_of(cfg.now);
  tl.start = tl.now - 365 * kMsPerDay;
  // The experiment runs in the last quarter that has ~90 days of follow-up before `now`.
  tl.quarter = quarter_of(cfg.now - 92);
  const Timestamp q0 = start_of(tl.quarter.first());
  tl.cohort_at = q0 + 9 * kMsPerHour;
  for (int s = 0; s < 3; ++s) tl.dma_sessions.push_back(q0 + (14 + 14 * s) * kMsPerDay + 16 * kMsPerHour);
  tl.ai_cohort_at = q0 + 21 * kMsPerDay + 9 * kMsPerHour;
  for (int s = 0; s < 2; ++s) tl.ai_sessions.push_back(q0 + (35 + 14 * s) * kMsPerDay + 17 * kMsPerHour);
  return tl;
}

double trend(const DemoConfig& cfg, const Timeline& tl, Timestamp t) {
  const double months = static_cast<double>(t - tl.cohort_at) / (30.0 * kMsPerDay);
  return std::pow(1.0 + cfg.trend_pct_per_30d / 100.0, months);
}

}  // namespace uplift::demo
