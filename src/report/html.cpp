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

std::string summary(const RoiReport& r) {
  std::size_t participants = 0;
  double influenced = 0;
  for (const auto& p : r.programs) {
    participants += p.participants;
    influenced += p.arr_influenced;
  }
  std::string s = fmt::format("In {}, {} account(s) took part in accelerator training, with {} in ARR at the time ",
                              r.quarter.name(), participants, money(influenced));
  s += "(the “ARR influenced” figure vendors usually quote — it is not caused by training). ";
  for (const auto& p : r.programs) {
    const auto& u = p.usage_lift;
    if (!p.participants) continue;
    s += fmt::format("{}: {} usage went {} {} by the naive before/after comparison", program_name(p), u.metric,
                     u.naive_pct && *u.naive_pct < 0 ? "down" : "up", u.naive_pct ? pct(std::fabs(*u.naive_pct)) : "(n/a)");
    if (u.did_pct && u.ci95_pct)
      s += fmt::format(", but compared with a {} group the training itself added about {} (95% interval {} to {})",
                       u.control == "holdout" ? "randomized holdout" : "matched comparison", pct(u.did_pct),
                       pct(u.ci95_pct->lo), pct(u.ci95_pct->hi));
    else if (u.did_pct)
      s += fmt::format(", and about {} compared with a {} group", pct(u.did_pct), u.control);
    else
      s += fmt::format("; the causal effect could not be estimated ({})", u.not_estimable);
    if (u.low_confidence) s += " — too few accounts for confidence";
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

std::string lift_chart(const ProgramResult& p) {
  std::vector<Bar> bars;
  const auto& u = p.usage_lift;
  if (u.naive_pct) bars.push_back({"naive", *u.naive_pct, false, 0, 0, "naive"});
  if (u.did_pct)
    bars.push_back({"causal (" + u.control + ")", *u.did_pct, u.ci95_pct.has_value(), u.ci95_pct ? u.ci95_pct->lo : 0,
                    u.ci95_pct ? u.ci95_pct->hi : 0, "causal"});
  return svg_vbars(program_name(p) + ": " + u.metric + " lift", bars, "%");
}

std::string dose_chart(const ProgramResult& p) {
  std::vector<Bar> bars;
  for (const auto& g : p.dose_response) {
    if (g.naive_pct) bars.push_back({g.sessions + " naive", *g.naive_pct, false, 0, 0, "naive"});
    if (g.did_pct) bars.push_back({g.sessions + " causal", *g.did_pct, false, 0, 0, "causal"});
  }
  return svg_vbars(program_name(p) + ": lift by sessions attended", bars, "%");
}

std::string program_table(const RoiReport& r) {
  std::string s =
      "<table><thead><tr><th>Program</th><th>Participants</th><th>Learners</th><th>2+ sessions</th>"
      "<th>ARR influenced</th><th>Naive lift</th><th>Causal lift</th><th>95% interval</th><th>Control</th>"
      "<th>Incremental ARR</th><th>Conversion (trained / control)</th></tr></thead><tbody>";
  for (const auto& p : r.programs) {
    const auto& u = p.usage_lift;
    const auto& a = p.arr_lift;
    s += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                     "<td>{}</td><td>{}</td><td>{} / {}</td></tr>",
                     e(program_name(p)), p.participants, p.participant_learners, pct(p.attended_2plus_pct),
                     money(p.arr_influenced), pct(u.naive_pct), u.did_pct ? pct(u.did_pct) : "n/a: " + e(u.not_estimable),
                     u.ci95_pct ? pct(u.ci95_pct->lo) + " – " + pct(u.ci95_pct->hi) : "n/a", e(u.control),
                     a.incremental_arr ? money(*a.incremental_arr) +
                                             (a.ci95 ? " (" + money(a.ci95->lo) + " – " + money(a.ci95->hi) + ")" : "")
                                       : "n/a",
                     pct(p.conversion.participants_pct), pct(p.conversion.control_pct));
  }
  return s + "</tbody></table>";
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
    "border-radius:6px}";

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
  s += "<h2>Usage lift: naive vs causal</h2><div class=\"charts\" id=\"lift-charts\">";
  for (const auto& p : r.programs) s += lift_chart(p);
  s += "</div><h2>Dose-response</h2><div class=\"charts\" id=\"dose-charts\">";
  for (const auto& p : r.programs) s += dose_chart(p);
  std::vector<Bar> funnel, csm;
  for (const auto& st : r.stages) funnel.push_back({st.stage, static_cast<double>(st.accounts), false, 0, 0, "stage"});
  for (const auto& c : r.csm) csm.push_back({c.csm, c.moved_pct, false, 0, 0, "csm"});
  s += "</div><h2>Journey</h2><div class=\"charts\" id=\"journey-charts\">" +
       svg_hbars("Accounts per stage at quarter end", funnel, "") +
       svg_hbars("% of each CSM's accounts that moved a stage", csm, "%") + "</div>";
  s += "<h2>Programs</h2>" + program_table(r);
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
