#include "cohorts/cohort.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace uplift::cohorts {

std::string_view cohort_status_name(CohortStatus s) {
  switch (s) {
    case CohortStatus::kProposed: return "proposed";
    case CohortStatus::kSent: return "sent";
    case CohortStatus::kClosed: return "closed";
  }
  return "proposed";
}

std::optional<CohortStatus> parse_cohort_status(std::string_view s) {
  for (CohortStatus c : {CohortStatus::kProposed, CohortStatus::kSent, CohortStatus::kClosed})
    if (cohort_status_name(c) == s) return c;
  return std::nullopt;
}

bool Cohort::invited(std::string_view account) const {
  return std::any_of(invitees.begin(), invitees.end(), [&](const Invitee& i) { return i.account == account; });
}
bool Cohort::held_out(std::string_view account) const {
  return std::find(holdout.begin(), holdout.end(), account) != holdout.end();
}

nlohmann::json cohort_to_json(const Cohort& c) {
  nlohmann::json inv = nlohmann::json::array();
  for (const auto& i : c.invitees)
    inv.push_back({{"account", i.account}, {"learners", i.learners}, {"csm", i.csm}, {"reason", i.reason}});
  return {{"id", c.id},
          {"program", c.program},
          {"created_at", format_timestamp(c.created_at)},
          {"status", cohort_status_name(c.status)},
          {"seed", c.seed},
          {"holdout_fraction", c.holdout_fraction},
          {"capacity", c.capacity},
          {"eligible", c.eligible},
          {"invitees", inv},
          {"holdout", c.holdout}};
}

namespace {

struct Fail {
  std::string field, reason;
};

std::string req_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) throw Fail{key, "required field is missing"};
  if (!it->is_string() || it->get<std::string>().empty()) throw Fail{key, "expected a non-empty string"};
  return it->get<std::string>();
}

std::vector<std::string> string_list(const nlohmann::json& j, const std::string& field) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array()) throw Fail{field, "expected an array of strings"};
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) throw Fail{fmt::format("{}[{}]", field, i), "expected a string"};
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

Cohort parse(const nlohmann::json& j) {
  if (!j.is_object()) throw Fail{"", "expected an object"};
  Cohort c;
  c.id = req_string(j, "id");
  c.program = req_string(j, "program");
  if (j.contains("created_at")) {
    if (!j["created_at"].is_string()) throw Fail{"created_at", "expected an RFC 3339 timestamp string"};
    auto ts = parse_timestamp(j["created_at"].get<std::string>());
    if (!ts.ok()) throw Fail{"created_at", ts.status().message()};
    c.created_at = *ts;
  }
  if (j.contains("status")) {
    auto s = j["status"].is_string() ? parse_cohort_status(j["status"].get<std::string>()) : std::nullopt;
    if (!s) throw Fail{"status", "expected one of proposed, sent, closed"};
    c.status = *s;
  }
  if (j.contains("seed")) {
    if (!j["seed"].is_number_integer() || (j["seed"].is_number_integer() && !j["seed"].is_number_unsigned()))
      throw Fail{"seed", "expected a non-negative integer"};
    c.seed = j["seed"].get<std::uint64_t>();
  }
  if (j.contains("holdout_fraction")) {
    if (!j["holdout_fraction"].is_number()) throw Fail{"holdout_fraction", "expected a number"};
    c.holdout_fraction = j["holdout_fraction"].get<double>();
    if (!(c.holdout_fraction >= 0 && c.holdout_fraction < 1)) throw Fail{"holdout_fraction", "must be in [0, 1)"};
  }
  if (j.contains("capacity")) {
    if (!j["capacity"].is_number_integer() || j["capacity"].get<long long>() < 0)
      throw Fail{"capacity", "expected a non-negative integer"};
    c.capacity = j["capacity"].get<int>();
  }
  c.eligible = string_list(j.value("eligible", nlohmann::json()), "eligible");
  c.holdout = string_list(j.value("holdout", nlohmann::json()), "holdout");
  std::sort(c.holdout.begin(), c.holdout.end());
  const auto inv = j.value("invitees", nlohmann::json::array());
  if (!inv.is_array()) throw Fail{"invitees", "expected an array"};
  std::set<std::string> seen;
  for (std::size_t i = 0; i < inv.size(); ++i) {
    const auto& x = inv[i];
    std::string field = fmt::format("invitees[{}]", i);
    Invitee v;
    if (x.is_string()) {
      v.account = x.get<std::string>();
    } else if (x.is_object()) {
      try {
        v.account = req_string(x, "account");
      } catch (const Fail& f) {
        throw Fail{field + "." + f.field, f.reason};
      }
      v.learners = string_list(x.value("learners", nlohmann::json()), field + ".learners");
      if (x.contains("csm") && x["csm"].is_string()) v.csm = x["csm"].get<std::string>();
      if (x.contains("reason") && x["reason"].is_string()) v.reason = x["reason"].get<std::string>();
    } else {
      throw Fail{field, "expected an object {account, learners, csm, reason}"};
    }
    if (!seen.insert(v.account).second) throw Fail{field, "account '" + v.account + "' is invited twice"};
    c.invitees.push_back(std::move(v));
  }
  for (const auto& h : c.holdout)
    if (seen.count(h)) throw Fail{"holdout", "account '" + h + "' is both invited and held out"};
  return c;
}

}  // namespace

Result<Cohort> cohort_from_json(const nlohmann::json& j, std::string_view where) {
  try {
    return parse(j);
  } catch (const Fail& f) {
    std::string id = j.is_object() && j.contains("id") && j["id"].is_string() ? " (" + j["id"].get<std::string>() + ")" : "";
    return Status::InvalidArgument(fmt::format("{}{}: {}{}", where, id, f.field.empty() ? "" : f.field + ": ", f.reason));
  }
}

Result<std::vector<Cohort>> cohorts_from_json_array(const nlohmann::json& j, std::string_view where) {
  if (!j.is_array()) return Status::InvalidArgument(fmt::format("{}: expected a JSON array of cohorts", where));
  std::vector<Cohort> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto c = cohort_from_json(j[i], fmt::format("{}: [{}]", where, i));
    if (!c.ok()) return c.status();
    if (!ids.insert(c->id).second)
      return Status::InvalidArgument(fmt::format("{}: [{}]: id: duplicate cohort id '{}'", where, i, c->id));
    out.push_back(std::move(*c));
  }
  return out;
}

Result<std::vector<Cohort>> load_cohorts_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("{}: cannot read file", path));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse errors and numbers no double holds (1e999)
    return Status::InvalidArgument(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  if (doc.is_object()) {  // a single cohort is accepted too
    auto c = cohort_from_json(doc, path);
    if (!c.ok()) return c.status();
    return std::vector<Cohort>{std::move(*c)};
  }
  return cohorts_from_json_array(doc, path);
}

Status check_replace(const Cohort& existing, const Cohort& next) {
  if (existing.status == CohortStatus::kProposed) return Status::OK();  // anything, closing included
  Cohort moved = existing;
  moved.status = next.status;
  bool forward = next.status == existing.status ||
                 (existing.status == CohortStatus::kSent && next.status == CohortStatus::kClosed);
  if (forward && moved == next) return Status::OK();
  return Status::FailedPrecondition(fmt::format(
      "cohort '{}' is {} and cannot change (its holdout is an experiment record); propose a new cohort instead",
      existing.id, cohort_status_name(existing.status)));
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_text(std::string_view s) {
  // OWASP CSV injection: a cell a spreadsheet would read as a formula gets a leading apostrophe.
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos)
    return csv_field("'" + std::string(s));
  return csv_field(s);
}

namespace {

// The id a CRM knows the record by: the value of its first "salesforce:" alias, else "hubspot:".
std::string crm_id(const std::vector<std::string>& aliases) {
  for (std::string_view crm : {"salesforce:", "hubspot:"})
    for (const auto& a : aliases)
      if (a.rfind(crm, 0) == 0) return a.substr(crm.size());
  return {};
}

}  // namespace

std::vector<InviteeRow> invitee_rows(const Cohort& c, const Dataset& data) {
  std::vector<InviteeRow> rows;
  auto row = [&](const Invitee& inv, const std::string& learner) {
    const Account* a = data.account(inv.account);
    LearnerRef l = learner.empty() ? nullptr : data.learner(learner);
    rows.push_back({inv.account, a ? a->name : std::string(), !inv.csm.empty() ? inv.csm : (a ? a->csm : std::string()),
                    learner, l ? std::string(l->email()) : std::string(), l ? std::string(l->role()) : std::string(), inv.reason,
                    a ? crm_id(a->aliases) : std::string(), l ? crm_id(l->record().aliases) : std::string(), c.program, c.id});
  };
  for (const auto& inv : c.invitees) {
    if (inv.learners.empty()) row(inv, "");
    for (const auto& l : inv.learners) row(inv, l);
  }
  return rows;
}

std::string invitees_csv(const Cohort& c, const Dataset& data) {
  std::string out;
  for (std::size_t i = 0; i < kInviteeColumns.size(); ++i) out += (i ? "," : "") + std::string(kInviteeColumns[i]);
  out += "\r\n";
  for (const InviteeRow& r : invitee_rows(c, data)) {
    for (std::size_t i = 0; i < r.size(); ++i) out += (i ? "," : "") + csv_text(r[i]);
    out += "\r\n";
  }
  return out;
}

namespace {

// The highest session of the program an invitee attended in this cohort up to `as_of`, and when
// the first invitee attended it.
std::pair<int, Timestamp> furthest_session(const Cohort& c, const Dataset& data, Timestamp as_of) {
  int last = 0;
  Timestamp at = 0;
  for (const auto& inv : c.invitees)
    for (const auto& l : inv.learners)
      for (const Attendance& a : data.attendance_of(l))
        if (a.attended && a.program == c.program && a.ts >= c.created_at && a.ts <= as_of &&
            (a.cohort.empty() || a.cohort == c.id) && (a.session > last || (a.session == last && a.ts < at))) {
          last = a.session;
          at = a.ts;
        }
  return {last, at};
}

}  // namespace

std::optional<Timestamp> last_session_at(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of) {
  if (c.status == CohortStatus::kProposed) return std::nullopt;
  auto [last, at] = furthest_session(c, data, as_of);
  if (last == 0 || last < std::max(1, sessions)) return std::nullopt;
  return at;
}

bool closed_as_of(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of) {
  return c.status == CohortStatus::kClosed || last_session_at(c, data, sessions, as_of).has_value();
}

std::string cohort_phase(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of) {
  if (c.status != CohortStatus::kSent) return std::string(cohort_status_name(c.status));
  auto [last, at] = furthest_session(c, data, as_of);
  (void)at;
  if (last == 0) return "sent";
  return last >= std::max(1, sessions) ? "closed" : "running";
}

std::string holdout_csv(const Cohort& c, const Dataset& data) {
  std::string out = "account,account_name,csm,arr,renewal_date,crm_account_id,program,cohort\r\n";
  for (const auto& id : c.holdout) {
    const Account* a = data.account(id);
    out += csv_text(id) + "," + csv_text(a ? a->name : "") + "," + csv_text(a ? a->csm : "") + "," +
           (a && a->arr ? csv_field(fmt::format("{:.2f}", *a->arr)) : std::string()) + "," +
           (a && a->renewal_date ? format_date(*a->renewal_date) : std::string()) + "," +
           csv_text(a ? crm_id(a->aliases) : "") + "," + csv_text(c.program) + "," + csv_text(c.id) + "\r\n";
  }
  return out;
}

}  // namespace uplift::cohorts
