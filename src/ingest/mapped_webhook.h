// A generic JSON webhook source with a field mapping (sources/*.json type "standard-webhooks"):
// for LMSs such as 360Learning that deliver one signed JSON event per request and have no
// adapter of their own. The mapping says, per event type, which record the event becomes and
// where its fields are (dotted paths into the body):
//
//   "event_type": "type",                 path of the event type (default "type")
//   "alias": "360learning",               person ids become the learner alias "<alias>:<id>"
//                                         (default: the source's name)
//   "events": {
//     "course.attempt.closed": {"record": "completion", "person": "data.userId",
//        "content": "data.courseId", "ts": "data.closedAt", "status": "completed"},
//     "path.session.user.status.updated": {"record": "completion", "person": "data.userId",
//        "content": "data.pathId", "ts": "data.updatedAt",
//        "status": {"field": "data.status", "values": {"successful": "passed", "unsuccessful": "failed"}}},
//     "user.created": {"record": "alias", "person": "data.userId", "email": "data.mail"},
//     "user.assessment.corrected": {"record": "event", "name": "assessment_corrected",
//        "person": "data.userId", "ts": "timestamp", "props": {"course": "data.courseId"}}}
//
// Records: "completion" (person, content, ts required; status a constant or mapped from a field —
// a value not listed is acknowledged and ignored; optional score and email), "event" (name
// constant, person and ts required; props copied from paths; the account is the learner's), and
// "alias" (person and email: teaches the learner with that email the person's id, so the
// completions naming only the id land on them — or waits in the unresolved queue until such a
// learner exists). A time is an RFC 3339 string or epoch milliseconds/seconds (a number). Event
// types not listed are acknowledged and counted as ignored. The delivery's message id (the
// webhook-id header) is the dedupe key: a completion's id is "<alias>:<message id>".
// Pure: parse_webhook_mapping lists every problem at once; map_webhook never throws.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "ingest/adapter.h"

namespace uplift::ingest {

// An alias-only learner record (record "alias"): its id and account are this placeholder until
// the person resolves; then its aliases are added to the learner found (app/unresolved.h).
inline constexpr const char* kAliasOnlyLearner = "?";

struct EventMapping {
  std::string record;  // "completion", "event" or "alias"
  std::string person, email, content, ts, score;  // paths ("" none)
  std::string name;                                // event: the event name (a constant)
  std::string status = "completed";                // completion: a constant status, unless status_field
  std::string status_field;
  std::map<std::string, std::string> status_values;  // field value → status
  std::map<std::string, std::string> props;          // event: prop → path
};

struct WebhookMapping {
  std::string event_type = "type";
  std::string alias;
  std::map<std::string, EventMapping> events;
};

// Reads a source's mapping; problems are "<where>: <path>: why".
void parse_webhook_mapping(const nlohmann::json& source, const std::string& where, const std::string& default_alias,
                           WebhookMapping& out, std::vector<std::string>& problems);

// One delivery → records. `source` names the actor's source (the unresolved queue shows it).
AdapterResult map_webhook(const nlohmann::json& body, const WebhookMapping& mapping, const std::string& source,
                          std::string_view message_id);

}  // namespace uplift::ingest
