// Skilljar webhooks → completions (and learners when the account is known).
//
// Payload (Skilljar's "Using Webhooks API"; examples and their provenance in tests/data/vendors/skilljar
// and its SOURCES.md): {"event_type", "timestamp", "user": {"id", "email", "first_name", "last_name"},
//  "course": {"id", "title", ...}, "lesson": {"id", "title"}, "path": {"id"}, ...}. Skilljar documents
// the envelope, "user" and "course" (COURSE_ENROLLMENT); where LESSON_COMPLETION and PATH_COMPLETION
// carry their ids is not published in what we could read — "lesson.id" and "path.id" are assumed.
//  * COURSE_COMPLETION → completion (status completed) of content = course.id
//  * LESSON_COMPLETION → completion (status completed) of content = lesson.id
//  * PATH_COMPLETION   → completion (status completed) of content = path.id
//  * COURSE_ENROLLMENT → completion (status started) of content = course.id
//  * every other event type (DOMAIN_ENROLLMENT, PATH_ENROLLMENT, PURCHASE_FULFILLMENT, QUIZ_COMPLETION,
//    VILT_EVENT_REGISTRATION, DASHBOARD_TASK_CREATED, PING, …) is acknowledged and counted as
//    ignored: Skilljar sends every type to a URL without a filter, and a 4xx can switch the
//    webhook off.
// ts = timestamp (microseconds and "+00:00" are fine). Who: Skilljar's user id and email, as an
// ActorRef {learner_id: user.id, aliases: ["skilljar:" + user.id, "email:" + email]} — the
// learner with that id, else the one holding the Skilljar id or the email (ingest/identity.h).
// When the payload names the account (user.account, user.company_id, account.id or group.id —
// first found) a Learner record (id user.id, alias skilljar:<id>) is added before the completion.
#pragma once

#include <optional>
#include <string>

#include "ingest/adapter.h"

namespace uplift::ingest {

struct WebhookLearner {
  std::string id, email, first_name, last_name;
  std::string account;  // empty when the payload did not say
};

struct WebhookResult : AdapterResult {
  std::optional<WebhookLearner> learner;  // set whenever user.id was present
};

// `fields` (a configured source's overrides): "content" or "<EVENT_TYPE>.content" — where the
// content id is; "account" — where the account id is.
WebhookResult webhook_to_records(const nlohmann::json& payload, const FieldOverrides& fields = {});

}  // namespace uplift::ingest
