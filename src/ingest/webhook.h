// Skilljar-style LMS webhooks → completions (and learners when the account is known).
//
// Payload (Skilljar's documented shape): {"event_type", "timestamp", "user": {"id", "email",
// "first_name", "last_name"}, "course": {"id", "title", ...}, "lesson": {"id", "title"}, ...}.
//  * COURSE_COMPLETION → completion (status completed) of content = course.id
//  * LESSON_COMPLETION → completion (status completed) of content = lesson.id
//  * COURSE_ENROLLMENT → completion (status started) of content = course.id
//  * any other event_type is rejected as unsupported.
// learner = user.id; ts = timestamp (Skilljar sends microseconds and "+00:00"; both are fine).
// The LMS does not know our accounts, so the learner is returned in `learner` for the caller to
// upsert; when the payload names the account (user.account, user.company_id, account.id or
// group.id — first found) a Learner record is also added before the completion.
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

WebhookResult webhook_to_records(const nlohmann::json& payload);

}  // namespace uplift::ingest
