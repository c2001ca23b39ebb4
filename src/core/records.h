// The canonical records: the seven kinds of fact uplift knows (DESIGN.md, "Canonical records").
//
// Every adapter (NDJSON, CSV, Segment, xAPI, LMS webhooks) produces these; every store persists
// them; the pure core reads them. A record that exists here has passed validation: required
// fields are present, timestamps are UTC instants, enums are known values.
//
// Identity: each record has a key (`record_key`). Events are append-only and deduplicated by id;
// every other kind is an upsert by its key (accounts/learners by id, completions by explicit id or
// learner+content+status+ts, attendance by learner+program+session, arr/renewal by account+date).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace uplift {

enum class Audience { kCustomer, kTrial, kPartner, kEmployee };
enum class CompletionStatus : std::uint8_t { kStarted, kCompleted, kPassed, kFailed };
enum class RenewalOutcome { kRenewed, kChurned, kExpanded, kContracted };

struct Account {
  std::string id;
  std::string name, plan, tier, csm;
  std::optional<double> arr;
  std::optional<Date> renewal_date;
  std::optional<Timestamp> created_at;
  Audience audience = Audience::kCustomer;
  // Other systems' ids for the account, "source:value" ("salesforce:0015g00000XyZabAAB"): a
  // record that names the account by one of them lands on it (DESIGN.md "Identity"). Sorted, unique.
  std::vector<std::string> aliases;
  bool operator==(const Account&) const = default;
};

struct Learner {
  std::string id, account;
  std::string email, role, access_level;
  std::optional<Timestamp> created_at;
  std::optional<Audience> audience;  // unset: the account's audience applies
  std::optional<Timestamp> departed_at;  // left the customer (a champion departure, for triggers)
  // Other systems' ids for the learner, "source:value" ("skilljar:3456789hijklmno",
  // "docebo:12345", "xapi:mailto:jane@example.com"). The email is always an alias too
  // ("email:" + lower case) without being listed. Sorted, unique.
  std::vector<std::string> aliases;
  bool operator==(const Learner&) const = default;
};

// The largest quantity an event may carry: sums over any realistic number of events stay finite
// (a qty of 1e308 made a criterion's progress infinity), and quantities are never negative.
inline constexpr double kMaxQty = 1e12;

struct Event {
  std::string id, account, name;
  Timestamp ts = 0;
  std::string learner;  // empty when the event is not tied to a learner
  double qty = 1;  // 0 ≤ qty ≤ kMaxQty (validated on input)
  nlohmann::json props = nlohmann::json::object();  // always an object
  bool operator==(const Event&) const = default;
};

// An event's fields as views, for readers that build no Event (a store's scan at start-up hands
// them straight to a Dataset). Valid while the row it was read from is.
struct EventFields {
  std::string_view id, account, name, learner;  // learner "" when none
  std::string_view props;                       // the props as a JSON object's minified text ("{}" when none)
  Timestamp ts = 0;
  double qty = 1;
};

struct Completion {
  std::string id;  // optional source id (e.g. an xAPI statement id); empty when none was given
  std::string learner, content;
  Timestamp ts = 0;
  CompletionStatus status = CompletionStatus::kCompleted;
  std::optional<double> score;
  bool operator==(const Completion&) const = default;
};

struct Attendance {
  std::string learner, program;
  int session = 1;  // 1-based
  Timestamp ts = 0;
  std::string cohort;  // empty when not tied to a cohort
  bool attended = true;
  bool operator==(const Attendance&) const = default;
};

struct ArrSnapshot {
  std::string account;
  Date date = 0;
  double arr = 0;
  bool operator==(const ArrSnapshot&) const = default;
};

struct Renewal {
  std::string account;
  Date date = 0;
  RenewalOutcome outcome = RenewalOutcome::kRenewed;
  std::optional<double> arr_before, arr_after;
  bool operator==(const Renewal&) const = default;
};

using Record = std::variant<Account, Learner, Event, Completion, Attendance, ArrSnapshot, Renewal>;

// The order matches Record's alternatives, so kind_of(r) == RecordKind(r.index()).
enum class RecordKind { kAccount, kLearner, kEvent, kCompletion, kAttendance, kArr, kRenewal };
inline constexpr std::size_t kRecordKindCount = 7;
inline constexpr std::array<RecordKind, kRecordKindCount> kAllRecordKinds = {
    RecordKind::kAccount, RecordKind::kLearner, RecordKind::kEvent, RecordKind::kCompletion,
    RecordKind::kAttendance, RecordKind::kArr, RecordKind::kRenewal};

inline RecordKind kind_of(const Record& r) { return static_cast<RecordKind>(r.index()); }
// "account", "learner", "event", "completion", "attendance", "arr", "renewal".
std::string_view kind_name(RecordKind kind);
std::optional<RecordKind> parse_kind(std::string_view name);

// Whether `alias` is "source:value": a source of 1-32 lower-case letters, digits, '_' or '-', a
// value of 1-320 bytes without control characters.
bool valid_alias(std::string_view alias);
// "email:" + the email in lower case (ASCII), or "" for an empty email: the alias every learner
// with an email has.
std::string email_alias(std::string_view email);

// The identity a store deduplicates or upserts on (see the file comment).
std::string record_key(const Record& r);

std::string_view audience_name(Audience a);
std::optional<Audience> parse_audience(std::string_view s);
std::string_view completion_status_name(CompletionStatus s);
std::optional<CompletionStatus> parse_completion_status(std::string_view s);
std::string_view renewal_outcome_name(RenewalOutcome o);
std::optional<RenewalOutcome> parse_renewal_outcome(std::string_view s);

}  // namespace uplift
