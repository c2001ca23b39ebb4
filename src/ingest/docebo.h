// Docebo webhooks → completions.
//
// Payload (Docebo's "Webhooks events"; recorded examples in tests/data/vendors/docebo): the
// common properties {"message_id", "webhook_id", "original_domain", "event", "payload": {...}} —
// or, when the webhook sends several events in one call, "payloads": [{...}, ...] (up to 25 of one
// event type). Enrollment events carry {"fired_at", "user_id", "username", "course_id",
// "course_name", "enrollment_date", "completion_date", "status"}; dates are "YYYY-MM-DD HH:MM:SS"
// in UTC (no zone is sent).
//  * course.enrollment.completed → completion (completed) at completion_date (else fired_at)
//  * course.enrollment.created   → completion (started) at enrollment_date (else fired_at)
//  * course.enrollment.updated   → by its status: completed → completed; in_progress → started;
//                                  any other status is acknowledged and ignored
//  * every other event (course.enrollment.deleted, user.created, …) is acknowledged and ignored.
// content = "docebo-course-" + course_id (content maps name Docebo courses that way, or list them
// under their own ids and map them with a source mapping later). Each completion's id is
// "docebo:<message_id>:<n>": a redelivered message is a duplicate. Who: the Docebo user, as
// {aliases: ["docebo:<user_id>", "email:<username>" when the username is an email]} — the
// learner holding either (ingest/identity.h), else the unresolved queue. Pure.
#pragma once

#include "ingest/adapter.h"

namespace uplift::ingest {

// `fields` (a configured source's overrides): "content" — a path inside each payload whose value
// is the content id as is (instead of "docebo-course-<course_id>").
AdapterResult docebo_to_records(const nlohmann::json& delivery, const FieldOverrides& fields = {});

}  // namespace uplift::ingest
