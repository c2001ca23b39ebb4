#include "triggers/message.h"

#include <fmt/format.h>

#include "core/time.h"

namespace uplift::triggers {
namespace {

using nlohmann::json;

// Cuts `s` to at most `max` bytes on a UTF-8 boundary, marking the cut with "…".
std::string clip(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max - 3;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "…";
}

// Slack mrkdwn treats &, < and > specially; everything else passes.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string money(double v) {
  std::string digits = fmt::format("{:.0f}", v), out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return "$" + out;
}

}  // namespace

json alert_context(const Alert& alert, const Rule& rule, const Context& ctx, const recommend::ContentMap& content,
                   const recommend::ProgramFor& program_for) {
  json j = alert_to_json(alert);
  j["title"] = rule.title.empty() ? rule.id : rule.title;
  json acct = {{"id", alert.account}};
  if (const Account* a = ctx.data ? ctx.data->account(alert.account) : nullptr) {
    acct["name"] = a->name;
    acct["tier"] = a->tier;
    acct["plan"] = a->plan;
    acct["csm"] = a->csm;
    if (a->arr) acct["arr"] = *a->arr;
    if (a->renewal_date) {
      acct["renewal_date"] = format_date(*a->renewal_date);
      acct["days_to_renewal"] = static_cast<long>(*a->renewal_date - date_of(alert.at));
    }
  }
  j["account"] = std::move(acct);
  const milestones::AccountState* s = ctx.states ? ctx.states(alert.account) : nullptr;
  json frontier = json::array();
  if (s) {
    j["stage"] = s->stage;
    for (const auto& m : s->frontier) {
      json f = {{"milestone", m}};
      if (const auto* ms = ctx.graph ? ctx.graph->find(m) : nullptr) f["title"] = ms->title;
      if (const auto* st = s->find(m))
        f["progress"] = {{"current", st->progress.current}, {"target", st->progress.target}, {"unit", st->progress.unit}};
      frontier.push_back(std::move(f));
    }
    if (ctx.data) {
      auto advice = recommend::advise_account(*ctx.data, s, content, alert.account, program_for, alert.at);
      j["recommended"] = recommend::advice_to_json(advice);
    }
  }
  j["frontier"] = std::move(frontier);
  if (!j.contains("recommended")) j["recommended"] = json::array();
  return j;
}

json slack_message(const json& c) {
  const json& a = c.value("account", json::object());
  const std::string name = a.value("name", "").empty() ? a.value("id", "") : a.value("name", "");
  const std::string title = c.value("title", c.value("rule", ""));
  json fields = json::array();
  auto field = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) fields.push_back({{"type", "mrkdwn"}, {"text", clip(fmt::format("*{}*\n{}", label, escape(value)), 2000)}});
  };
  field("Account", name + (a.value("id", "") != name ? fmt::format(" ({})", a.value("id", "")) : ""));
  if (a.contains("arr")) field("ARR", money(a["arr"].get<double>()));
  if (a.contains("renewal_date"))
    field("Renewal", fmt::format("{} ({} days)", a["renewal_date"].get<std::string>(), a.value("days_to_renewal", 0L)));
  field("Stage", c.value("stage", ""));
  field("CSM", a.value("csm", ""));
  field("Tier / plan", a.value("tier", "") + (a.value("plan", "").empty() ? "" : " / " + a.value("plan", "")));

  std::string next;
  for (const auto& f : c.value("frontier", json::array())) {
    std::string line = "• " + escape(f.value("title", f.value("milestone", "")));
    if (f.contains("progress"))
      line += fmt::format(" — {:g}/{:g} {}", f["progress"].value("current", 0.0), f["progress"].value("target", 0.0),
                          escape(f["progress"].value("unit", "")));
    for (const auto& r : c.value("recommended", json::array()))
      if (r.value("milestone", "") == f.value("milestone", "") && !r.value("detail", "").empty())
        line += "\n    _" + escape(r.value("detail", "")) + "_";
    next += line + "\n";
  }
  if (next.empty()) next = "Nothing left on the journey's frontier.";

  json blocks = json::array();
  blocks.push_back({{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", clip(title + ": " + name, 150)}, {"emoji", true}}}});
  blocks.push_back({{"type", "section"}, {"fields", fields}});
  blocks.push_back({{"type", "section"},
                    {"text", {{"type", "mrkdwn"}, {"text", clip("*What changed*\n" + escape(c.value("what", "")), 3000)}}}});
  if (!c.value("action", "").empty())
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", clip("*What to do*\n" + escape(c.value("action", "")), 3000)}}}});
  blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", clip("*Next on the journey*\n" + next, 3000)}}}});
  blocks.push_back({{"type", "context"},
                    {"elements", json::array({{{"type", "mrkdwn"},
                                               {"text", clip(fmt::format("uplift alert `{}` · rule `{}` · {}", c.value("id", ""),
                                                                         c.value("rule", ""), c.value("at", "")),
                                                             2000)}}})}});
  return {{"text", clip(fmt::format("{}: {} — {}", title, name, c.value("what", "")), 3000)}, {"blocks", blocks}};
}

json webhook_payload(const json& c) {
  return {{"type", "alert.fired"}, {"timestamp", c.value("at", "")}, {"data", c}};
}

}  // namespace uplift::triggers
