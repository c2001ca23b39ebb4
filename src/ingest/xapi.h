// xAPI statements → uplift records, as an LRS does it (xAPI 1.0.3, Part Two "Statements").
//
// Accepts one statement object or an array of them. Each statement is first validated against
// the specification (required actor/verb/object; exactly one identifier per Agent; UUID ids;
// IRIs; score ranges; no unknown top-level properties); an invalid one is an error naming its
// index, the property and why, and the HTTP layer rejects the whole batch (the specification asks
// an LRS to). Every valid statement becomes a record:
//  * verb completed / passed / failed (the verb IRI's last segment) → a completion with that
//    status; content: object.definition.extensions["https://uplift.dev/xapi/content"] if set,
//    else the last non-empty path segment of object.id ("https://lms.example.com/courses/intro"
//    → "intro"); score: result.score.scaled × 100, else raw scaled into min..max, else raw;
//  * verb attended with a program and session under context.extensions
//    (https://uplift.dev/xapi/program, …/session — a number or numeric string — and optionally
//    …/cohort) → attendance (result.success false → attended false);
//  * any other verb (experienced, initialized, launched, progressed, answered, an attended
//    without a program, …) → a learning event named "xapi.<verb's last segment>", its id the
//    statement id, props {verb, object, content, type, score, success, completion, duration}
//    where present — usable in milestone criteria (`"event": "xapi.experienced"`, `where`
//    props.content).
// Who: every record carries an ActorRef (ingest/identity.h) — actor.account.name is tried as a
// learner id, then the aliases "xapi:mailto:<address>" and "email:<address>" (mbox, lower case),
// "xapi:sha1:<hex>" (mbox_sha1sum), "xapi:openid:<uri>", "xapi:account:<homePage>|<name>". A
// person uplift does not know yet waits in the unresolved queue. A statement by an anonymous
// Group (members, no identifier) is valid and kept, but names no single learner: it is counted
// as ignored. Events leave the adapter with
// an empty account; the learner's account is filled in when the actor resolves.
// Time: timestamp, else the time the statement was received (`received_at`), as an LRS sets it.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "ingest/adapter.h"

namespace uplift::ingest {

inline constexpr const char* kXapiProgram = "https://uplift.dev/xapi/program";
inline constexpr const char* kXapiSession = "https://uplift.dev/xapi/session";
inline constexpr const char* kXapiCohort = "https://uplift.dev/xapi/cohort";
inline constexpr const char* kXapiContent = "https://uplift.dev/xapi/content";

struct XapiOptions {
  Timestamp received_at = 0;  // the timestamp of statements that carry none
};

using XapiResult = AdapterResult;

XapiResult xapi_to_records(const nlohmann::json& statements, const XapiOptions& options = {});

// True for a UUID in its canonical 8-4-4-4-12 hex form (xAPI statement ids).
bool is_uuid(std::string_view s);

}  // namespace uplift::ingest
