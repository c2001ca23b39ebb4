// xAPI statements → completions and attendance (the LMS/LRS statement forwarder).
//
// Accepts one statement object or an array of them. Mapping:
//  * actor.account.name → learner id; actor.mbox "mailto:ana@acme.test" → learner id
//    "ana@acme.test", and the email is returned in `actor_emails` so the HTTP layer can map it to
//    a known learner by email. mbox_sha1sum, openid and Group actors are rejected.
//  * verb.id's last path segment: completed / passed / failed → a completion with that status;
//    attended → attendance; any other verb is rejected ("unsupported verb").
//  * content: object.definition.extensions["https://uplift.dev/xapi/content"] if set, else the
//    last non-empty path segment of object.id (query and fragment dropped), so
//    "https://lms.example.com/courses/intro_course" → "intro_course".
//  * score: result.score.scaled × 100 (a percentage); else raw scaled into min..max as a
//    percentage when both are given; else raw as is.
//  * timestamp → ts (else "stored"); id → the completion's id (the dedupe key).
//  * attended: program and session from context.extensions (or object.definition.extensions)
//    under https://uplift.dev/xapi/program, https://uplift.dev/xapi/session (number or numeric
//    string) and optionally https://uplift.dev/xapi/cohort; result.success false → attended false.
#pragma once

#include <string>
#include <vector>

#include "ingest/adapter.h"

namespace uplift::ingest {

inline constexpr const char* kXapiProgram = "https://uplift.dev/xapi/program";
inline constexpr const char* kXapiSession = "https://uplift.dev/xapi/session";
inline constexpr const char* kXapiCohort = "https://uplift.dev/xapi/cohort";
inline constexpr const char* kXapiContent = "https://uplift.dev/xapi/content";

struct XapiResult : AdapterResult {
  std::vector<std::string> actor_emails;  // per record: the mbox email, or empty for account actors
};

XapiResult xapi_to_records(const nlohmann::json& statements);

}  // namespace uplift::ingest
