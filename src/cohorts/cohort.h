// Cohort: one run of an accelerator program — who was eligible, who is invited, who is held out.
//
// A cohort is proposed by select.h, reviewed, then "sent" (invitations went out) and finally
// "closed". Once sent it is a record of an experiment and never changes: the holdout must stay the
// holdout or the causal estimate is meaningless (check_replace refuses with FailedPrecondition).
// Persisted as a Store document (collection "cohorts", key = id, body = cohort_to_json), and in
// demo-data/cohorts.json as a JSON array of the same objects.
#pragma once

#include <array>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "core/status.h"
#include "core/time.h"

namespace uplift::cohorts {

enum class CohortStatus { kProposed, kSent, kClosed };
std::string_view cohort_status_name(CohortStatus s);
std::optional<CohortStatus> parse_cohort_status(std::string_view s);

struct Invitee {
  std::string account;
  std::vector<std::string> learners;  // the learners to invite (with an eligible role)
  std::string csm;
  std::string reason;  // why this account: "foundational 92 days ago; no data_manager_edit; ARR 120,000"
  bool operator==(const Invitee&) const = default;
};

struct Cohort {
  std::string id, program;
  Timestamp created_at = 0;
  CohortStatus status = CohortStatus::kProposed;
  std::uint64_t seed = 0;
  double holdout_fraction = 0;
  int capacity = 0;
  std::vector<std::string> eligible;  // every eligible account, best-ranked first
  std::vector<Invitee> invitees;      // best-ranked first
  std::vector<std::string> holdout;   // eligible, randomly kept out (sorted by id)
  bool operator==(const Cohort&) const = default;

  bool is_open() const { return status != CohortStatus::kClosed; }
  bool invited(std::string_view account) const;
  bool held_out(std::string_view account) const;
};

inline constexpr std::string_view kCohortCollection = "cohorts";

nlohmann::json cohort_to_json(const Cohort& c);
// Validates one cohort object; errors name `where` and the field ("cohorts.json: [0] (dma-2026q3): seed: …").
Result<Cohort> cohort_from_json(const nlohmann::json& j, std::string_view where);
// A JSON array of cohorts (demo-data/cohorts.json). Duplicate ids are refused.
Result<std::vector<Cohort>> cohorts_from_json_array(const nlohmann::json& j, std::string_view where);
Result<std::vector<Cohort>> load_cohorts_file(const std::string& path);

// Replacing `existing` by `next` (same id): refused with FailedPrecondition when `existing` was
// sent or closed and anything but the status moved forward (proposed or sent → closed).
Status check_replace(const Cohort& existing, const Cohort& next);

// When an invitee first attended the program's last session (`sessions`) in this cohort, up to
// `as_of`: the cohort is then over and closes by itself (its accounts may join other cohorts
// again), whether or not anyone closed it by hand. nullopt while that has not happened (or for a
// proposed cohort). Pure.
std::optional<Timestamp> last_session_at(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of);

// Whether the cohort is closed as of `as_of`: closed by hand, or after its last session.
bool closed_as_of(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of);

// Where a cohort is in its life, from its status and the attendance recorded up to `as_of`:
// "proposed"; "sent" (no invitee attended a session of the program since it was created);
// "running" (one did); "closed" (closed by hand, or an invitee attended session `sessions`, the
// program's last: closed after its last session). Pure.
std::string cohort_phase(const Cohort& c, const Dataset& data, int sessions, Timestamp as_of);

// The invitee list's columns (CSV header, JSON keys), in order.
inline constexpr std::array<const char*, 11> kInviteeColumns = {
    "account", "account_name", "csm", "learner", "email", "role", "reason", "crm_account_id", "crm_contact_id",
    "program", "cohort"};
using InviteeRow = std::array<std::string, kInviteeColumns.size()>;
// One row per invited learner, best-ranked account first (an account without learners gets one
// row with empty learner columns). Names and emails come from `data`; unknown accounts/learners
// leave those columns empty. The CRM ids are the account's and the learner's "salesforce:" alias
// values (else "hubspot:"), so the list loads into the CRM as campaign members and matches there;
// program and cohort say which campaign.
std::vector<InviteeRow> invitee_rows(const Cohort& c, const Dataset& data);
// The rows as CSV with a header, RFC 4180 quoting, cells from the data neutralized (csv_text).
std::string invitees_csv(const Cohort& c, const Dataset& data);
// Holdout CSV: header account,account_name,csm,arr,renewal_date,crm_account_id,program,cohort;
// one row per held-out account (the control: never to be invited, nor reached out to about the
// program, while the cohort is open) — loaded into the CRM as a suppression list.
std::string holdout_csv(const Cohort& c, const Dataset& data);
// One CSV field, quoted when it contains a comma, quote, CR or LF.
std::string csv_field(std::string_view s);
// csv_field for text from the data (names, emails, notes): a cell starting with =, +, -, @, tab or
// CR — which Excel and Sheets would evaluate as a formula — is prefixed with ' (OWASP CSV
// injection). Numbers are written with csv_field, so a negative figure stays a number.
std::string csv_text(std::string_view s);

}  // namespace uplift::cohorts
