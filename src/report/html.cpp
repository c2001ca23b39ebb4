#include "report/html.h"

#include <cmath>

#include <fmt/format.h>

namespace uplift::report {
namespace {

using attribution::ProgramResult;
using attribution::RoiReport;

std::string pct(const std::optional<double>& v) { return v ? fmt::format("{:.1f}%", *v) : "n/a"; }
std::string money(double v) {
  std::string digits = fmt::format("{:.0f}", std::fabs(v)), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-$" : "$") + out;
}
std::string e(std::string_view s) { return html_escape(s); }

std::string program_name(const ProgramResult& p) {
  return p.cohort.empty() ? p.title : fmt::format("{} ({})", p.title, p.cohort);
}

std::string interval_text(const std::optional<attribution::Interval>& ci, const char* unit = "%") {
  return ci ? fmt::format("{:.1f}{} to {:.1f}{}", ci->lo, unit, ci->hi, unit) : std::string("n/a");
}
std::string money_interval(const std::optional<attribution::Interval>& ci) {
  return ci ? money(ci->lo) + " to " + money(ci->hi) : std::string("n/a");
}

// The causal usage figure with its interval and its caveats in plain words, or why there is none.
std::string causal_usage_text(const attribution::UsageLift& u) {
  if (!u.did_pct || !u.ci95_pct) return "not estimable: " + u.not_estimable;
  std::string s = fmt::format("{:+.1f}% (95% interval {})", *u.did_pct, interval_text(u.ci95_pct));
  if (u.ci95_pct->lo <= 0 && u.ci95_pct->hi >= 0) s += " — cannot be told apart from no effect";
  if (u.low_confidence) s += " — low confidence: few accounts";
  if (u.placebo.failed) s += " — placebo check failed: the groups were already diverging before training";
  return s;
}

std::string summary(const RoiReport& r) {
  const auto& t = r.totals;
  std::string s = fmt::format("In {}, {} account(s) took part in accelerator training (each counted once across programs), "
                              "with {} in ARR at the time ",
                              r.quarter.name(), t.participant_accounts, money(t.arr_influenced));
  s += "(the “ARR influenced” figure vendors usually quote — it is not caused by training). ";
  if (t.incremental_arr && t.incremental_arr_ci95)
    s += fmt::format("The ARR training itself added is estimated at {} (a conservative interval {}: the sum of the "
                     "programs' 95% bounds). ",
                     money(*t.incremental_arr), money_interval(t.incremental_arr_ci95));
  else
    s += "The ARR training itself added could not be estimated for every program (see each program below). ";
  for (const auto& p : r.programs) {
    const auto& u = p.usage_lift;
    if (!p.participants) continue;
    s += fmt::format("{}: {} usage went {} by the naive before/after comparison", program_name(p), u.metric,
                     u.naive_pct ? fmt::format("{} {}", *u.naive_pct < 0 ? "down" : "up", pct(std::fabs(*u.naive_pct)))
                                 : "(not estimable)");
    if (u.did_pct && u.ci95_pct)
      s += fmt::format("; compared with a {} the training itself changed it by about {:+.1f}% (95% interval {})",
                       u.control == "holdout" ? "randomized holdout" : "matched group of similar accounts", *u.did_pct,
                       interval_text(u.ci95_pct));
    else
      s += fmt::format("; the causal effect could not be estimated ({})", u.not_estimable);
    if (u.did_pct && u.ci95_pct && u.ci95_pct->lo <= 0 && u.ci95_pct->hi >= 0)
      s += ", which cannot be told apart from no effect";
    if (u.low_confidence && u.did_pct) s += " — low confidence: few accounts";
    if (u.placebo.failed) s += " — its placebo check failed, so the groups were already diverging";
    const auto& ad = p.adoption;
    if (ad.diff_pts && ad.ci95_pts)
      s += fmt::format("; among accounts that had not used it, the share using it changed by {:+.1f} points against "
                       "the comparison group (95% interval {})",
                       *ad.diff_pts, interval_text(ad.ci95_pts, " pts"));
    const auto& a = p.arr_lift;
    if (a.incremental_arr && a.ci95)
      s += fmt::format("; incremental ARR {} (95% interval {}) beside {} ARR influenced", money(*a.incremental_arr),
                       money_interval(a.ci95), money(p.arr_influenced));
    else
      s += fmt::format("; incremental ARR not estimable ({}) beside {} ARR influenced", a.not_estimable,
                       money(p.arr_influenced));
    s += ". ";
  }
  std::size_t moved = 0, total = 0;
  for (const auto& st : r.stages) {
    moved += st.moved_in_quarter;
    total += st.accounts;
  }
  if (total) s += fmt::format("Across all {} customer accounts, {} moved to a later journey stage this quarter.", total, moved);
  return s;
}

// One scale for every lift chart of the page, so that bars of different programs compare by
// height: every bar and every causal interval fits; a naive interval beyond it is drawn to the
// edge (open-ended).
Scale lift_scale(const RoiReport& r) {
  Scale sc{0, 0};
  auto take = [&](double v) {
    sc.lo = std::min(sc.lo, v);
    sc.hi = std::max(sc.hi, v);
  };
  for (const auto& p : r.programs) {
    const auto& u = p.usage_lift;
    if (u.naive_pct) take(*u.naive_pct);
    if (u.did_pct && u.ci95_pct) take(u.ci95_pct->lo), take(u.ci95_pct->hi);
    for (const auto& g : p.dose_response)
      if (g.did_pct && g.ci95_pct) take(g.ci95_pct->lo), take(g.ci95_pct->hi);
  }
  if (sc.hi - sc.lo <= 0) sc.hi = sc.lo + 1;
  return sc;
}

std::string chart_figure(const std::string& caption, const std::string& svg, const std::string& note) {
  return "<figure class=\"chart-box\"><figcaption>" + e(caption) + "</figcaption>" + svg +
         (note.empty() ? "" : "<p class=\"caveat\">" + e(note) + "</p>") + "</figure>";
}

std::string lift_chart(const ProgramResult& p, const Scale& scale) {
  std::vector<Bar> bars;
  const auto& u = p.usage_lift;
  if (u.naive_pct)
    bars.push_back({"naive before/after", *u.naive_pct, u.naive_ci95_pct.has_value(),
                    u.naive_ci95_pct ? u.naive_ci95_pct->lo : 0, u.naive_ci95_pct ? u.naive_ci95_pct->hi : 0, "naive"});
  if (u.did_pct && u.ci95_pct)
    bars.push_back({"causal vs " + u.control, *u.did_pct, true, u.ci95_pct->lo, u.ci95_pct->hi, "causal"});
  const std::string title = program_name(p) + ": " + u.metric + " lift";
  return chart_figure(title, svg_vbars(title, bars, "%", scale), "causal: " + causal_usage_text(u));
}

std::string dose_chart(const ProgramResult& p, const Scale& scale) {
  std::vector<Bar> bars;
  std::string notes;
  for (const auto& g : p.dose_response) {
    if (g.did_pct && g.ci95_pct)
      bars.push_back({g.sessions + (g.sessions == "1" ? " session" : " sessions"), *g.did_pct, true, g.ci95_pct->lo,
                      g.ci95_pct->hi, "causal"});
    else
      notes += fmt::format("{} session(s): not estimable ({}). ", g.sessions, g.not_estimable);
  }
  const std::string title = program_name(p) + ": causal lift by sessions attended";
  return chart_figure(title, svg_vbars(title, bars, "%", scale), notes);
}

std::string cell_or_reason(const std::optional<double>& v, const std::optional<attribution::Interval>& ci,
                           const std::string& reason, const char* unit) {
  if (!v || !ci) return "<span class=\"ne\">not estimable: " + e(reason) + "</span>";
  return e(fmt::format("{:+.1f}{} ({})", *v, unit, interval_text(ci, unit)));
}

std::string program_table(const RoiReport& r) {
  std::string s =
      "<table><thead><tr><th>Program</th><th>Participants</th><th>2+ sessions</th><th>ARR influenced</th>"
      "<th>Incremental ARR (95% interval)</th><th>Naive lift (95% interval)</th><th>Causal lift (95% interval)</th>"
      "<th>Adoption by non-users (95% interval)</th><th>Conversion, trained minus control (95% interval)</th>"
      "</tr></thead><tbody>";
  for (const auto& p : r.programs) {
    const auto& u = p.usage_lift;
    const auto& a = p.arr_lift;
    std::string arr = a.incremental_arr && a.ci95 ? e(money(*a.incremental_arr) + " (" + money_interval(a.ci95) + ")")
                                                  : "<span class=\"ne\">not estimable: " + e(a.not_estimable) + "</span>";
    std::string naive = u.naive_pct ? e(fmt::format("{:+.1f}% ({})", *u.naive_pct, interval_text(u.naive_ci95_pct)))
                                    : "<span class=\"ne\">not estimable: " + e(u.naive_not_estimable) + "</span>";
    std::string causal = u.did_pct && u.ci95_pct ? e(causal_usage_text(u)) + " <small>vs " + e(u.control) + "</small>"
                                                 : "<span class=\"ne\">" + e(causal_usage_text(u)) + "</span>";
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     e(program_name(p)), p.participants, pct(p.attended_2plus_pct), money(p.arr_influenced), arr, naive,
                     causal, cell_or_reason(p.adoption.diff_pts, p.adoption.ci95_pts, p.adoption.not_estimable, " pts"),
                     cell_or_reason(p.conversion.diff_pts, p.conversion.ci95_pts, p.conversion.not_estimable, " pts"));
  }
  return s + "</tbody></table>";
}

// The analyst's checks per program: placebo, effects by tier, covariate balance.
std::string checks(const RoiReport& r) {
  std::string s;
  for (const auto& p : r.programs) {
    if (!p.participants) continue;
    const auto& u = p.usage_lift;
    s += "<h3>" + e(program_name(p)) + "</h3><ul>";
    s += "<li>Placebo (the same comparison one window before the first session; should be about 0): " +
         cell_or_reason(u.placebo.did_pct, u.placebo.ci95_pct, u.placebo.not_estimable, "%") +
         (u.placebo.failed ? " <b>— failed: the groups were already diverging</b>" : "") + "</li>";
    s += "</ul>";
    if (!u.by_tier.empty()) {
      s += "<table><thead><tr><th>Tier</th><th>Participants</th><th>Controls</th><th>Causal lift (interval "
           "corrected for " +
           std::to_string(u.by_tier.size()) + " comparisons)</th></tr></thead><tbody>";
      for (const auto& t : u.by_tier)
        s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", e(t.tier), t.treated, t.control,
                         cell_or_reason(t.did_pct, t.ci_pct, t.not_estimable, "%"));
      s += "</tbody></table>";
    }
    if (!p.balance.empty()) {
      s += "<table><thead><tr><th>Covariate</th><th>Standardized difference before matching</th>"
           "<th>After matching</th></tr></thead><tbody>";
      auto smd = [](const std::optional<double>& v) { return v ? fmt::format("{:+.2f}", *v) : std::string("n/a"); };
      for (const auto& b : p.balance)
        s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", e(b.covariate), smd(b.smd_before),
                         smd(b.smd_after));
      s += "</tbody></table><p class=\"muted-p\">Within ±0.10 after matching counts as balanced.</p>";
    }
  }
  return s.empty() ? "" : "<h2>Checks</h2>" + s;
}

std::string warnings(const RoiReport& r) {
  std::string s;
  for (const auto& p : r.programs)
    for (const auto& w : p.warnings) s += "<li><b>" + e(program_name(p)) + ":</b> " + e(w) + "</li>";
  for (const auto& n : r.notes) s += "<li>" + e(n) + "</li>";
  return s.empty() ? "" : "<h2>Warnings</h2><ul class=\"warn\">" + s + "</ul>";
}

const char* kStyle =
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;padding:0 1rem}"
    "h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}.summary{font-size:1.05rem;background:#f4f7fb;"
    "padding:1rem;border-radius:6px}table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border:1px solid #ddd;"
    "padding:4px 8px;text-align:left}th{background:#f0f0f0}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}"
    "svg text{font-size:12px;fill:#1d2330}svg .ct{font-weight:600;font-size:13px}.muted{fill:#777}"
    "rect.naive{fill:#c9ccd3}rect.causal{fill:#2f6fdb}rect.stage{fill:#3a9d7a}rect.csm{fill:#8a63d2}"
    ".ci line{stroke:#111;stroke-width:1.5}.axis{stroke:#999}.warn li{color:#8a4b00}.note{background:#fff8e6;padding:1rem;"
    "border-radius:6px}.chart-box{margin:0;max-width:520px}.chart-box figcaption{font-weight:600;margin-bottom:.3rem}"
    ".caveat{font-size:.9rem;color:#5a4500;margin:.3rem 0 0}.ne{color:#8a4b00}.muted-p{color:#555;font-size:.9rem}"
    "table{font-size:.92rem}";

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string roi_to_html(const RoiReport& r) {
  std::string s = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Training ROI " +
                  e(r.quarter.name()) + "</title><style>" + kStyle + "</style></head><body>";
  s += "<h1>Training ROI report — " + e(r.quarter.name()) + "</h1>";
  s += "<p class=\"summary\" id=\"summary\">" + e(summary(r)) + "</p>";
  const Scale scale = lift_scale(r);
  s += "<h2>Usage lift: naive vs causal</h2><p class=\"muted-p\">Every lift chart on this page shares one scale "
       "(bars of different programs compare by height); whiskers are 95% intervals.</p>"
       "<div class=\"charts\" id=\"lift-charts\">";
  for (const auto& p : r.programs) s += lift_chart(p, scale);
  s += "</div><h2>Dose-response</h2><div class=\"charts\" id=\"dose-charts\">";
  for (const auto& p : r.programs) s += dose_chart(p, scale);
  std::vector<Bar> funnel, csm;
  for (const auto& st : r.stages) funnel.push_back({st.stage, static_cast<double>(st.accounts), false, 0, 0, "stage"});
  for (const auto& c : r.csm) csm.push_back({c.csm, c.moved_pct, false, 0, 0, "csm"});
  s += "</div><h2>Journey</h2><div class=\"charts\" id=\"journey-charts\">" +
       svg_hbars("Accounts per stage at quarter end", funnel, "") +
       svg_hbars("% of each CSM's accounts that moved a stage", csm, "%") + "</div>";
  s += "<h2>Programs</h2>" + program_table(r) + checks(r);
  s += "<h2>Stages</h2><table><thead><tr><th>Stage</th><th>Accounts</th><th>Moved in quarter</th><th>Renewals</th>"
       "<th>Renewal rate</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < r.stages.size(); ++i) {
    const auto& st = r.stages[i];
    const auto* rn = i < r.renewal_by_stage.size() ? &r.renewal_by_stage[i] : nullptr;
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", e(st.stage), st.accounts,
                     st.moved_in_quarter, rn ? rn->renewals : 0, rn ? pct(rn->rate_pct) : "n/a");
  }
  s += "</tbody></table><h2>Stage movement per CSM</h2><table><thead><tr><th>CSM</th><th>Accounts</th><th>Moved</th>"
       "<th>Moved %</th></tr></thead><tbody>";
  for (const auto& c : r.csm)
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}%</td></tr>", e(c.csm), c.accounts, c.moved,
                     c.moved_pct);
  s += "</tbody></table>" + warnings(r);
  s += "<h2>How to read the causal estimate</h2><div class=\"note\"><p>The <b>naive</b> figure compares trained "
       "accounts' usage in the 30 days after their first session with the 30 days before. It mixes the effect of "
       "training with everything else that changed at the same time — accounts that sign up for training are often "
       "already growing. The <b>causal</b> figure (difference-in-differences) divides the trained accounts' change by "
       "the change of a comparison group over the same windows: a randomly held-out group of eligible accounts "
       "(the most trustworthy), or otherwise similar non-participants with the same tier and plan and similar usage "
       "and ARR. The 95% interval comes from resampling accounts 1,000 times: a wide interval, or one that includes "
       "0%, means the data cannot rule out no effect.</p><p>Do not trust the causal figure when it is flagged "
       "<i>low confidence</i> (fewer than " +
       std::to_string(r.options.min_per_arm) +
       " accounts in a group), when many participants had no comparable non-participant (no overlap), or when "
       "holdout accounts attended anyway.</p></div>";
  s += "<p class=\"muted\">Data as of " + e(format_timestamp(r.as_of)) + ".</p></body></html>\n";
  return s;
}

}  // namespace uplift::report
