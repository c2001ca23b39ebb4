// Webhook sources: the LMSs that post to uplift, configured in <config>/sources/*.json.
//
//   {"sources": [
//     {"name": "skilljar", "type": "skilljar", "token": "env:UPLIFT_SKILLJAR_TOKEN"},
//     {"name": "docebo-eu", "type": "docebo", "token": "env:UPLIFT_DOCEBO_TOKEN"}]}
//
// A source receives at POST /v1/webhooks/{name}/{token}: the unguessable token in the path is
// the credential, for LMSs that cannot send an Authorization header (a Skilljar webhook is a bare
// URL). Tokens are at least 32 characters (make one with `openssl rand -hex 24`); "env:NAME"
// values are read from the environment when the config loads. Types: skilljar, docebo (their
// adapters: ingest/webhook.h, ingest/docebo.h) and standard-webhooks — a generic JSON source
// with a field mapping (ingest/mapped_webhook.h), signed per Standard Webhooks:
//
//     {"name": "360learning", "type": "standard-webhooks", "secret": "env:UPLIFT_360_SECRET",
//      "tolerance_seconds": 300, "events": {...}}
//
// A skilljar or docebo source may override where its payloads carry a field —
//     "fields": {"content": "course.published_course_id", "LESSON_COMPLETION.content": "lesson.lesson_id",
//                "account": "user.company"}
// (skilljar: content, <EVENT_TYPE>.content, account; docebo: content, a path in each payload whose
// value is the content id as is). A standard-webhooks source is
// received at POST /v1/webhooks/{name}: the webhook-signature header must verify under the
// secret ("whsec_…"; a list of secrets during a rotation) and webhook-timestamp lie within
// tolerance_seconds (default 300) of now, else 401 — a tampered or replayed delivery is
// refused. Such a source's token is optional, and its name cannot be skilljar or docebo (those
// paths are the built-in endpoints). Every problem of every file is listed at once with the file
// and the source name. Pure apart from load_sources (reads the files).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ingest/mapped_webhook.h"

namespace uplift::ingest {

struct Source {
  std::string name, type, token, file;
  std::vector<std::string> secrets;  // standard-webhooks: "whsec_…" (the first signs nothing; any verifies)
  std::int64_t tolerance_seconds = 300;
  WebhookMapping mapping;            // standard-webhooks
  FieldOverrides fields;             // skilljar, docebo: where a payload carries a field ("fields")
};

struct SourceSet {
  std::vector<Source> sources;
  const Source* find(std::string_view name) const;
};

using SourceEnv = std::function<std::optional<std::string>(std::string_view name)>;

void parse_sources(const nlohmann::json& doc, const std::string& file, const SourceEnv& env, SourceSet& out,
                   std::vector<std::string>& problems);
// Every *.json of `dir` (by name); InvalidArgument lists every problem, one per line.
Result<SourceSet> load_sources(const std::filesystem::path& dir, const SourceEnv& env = {});

// Compares a presented token with the configured one in time independent of where they differ.
bool token_matches(std::string_view presented, std::string_view configured);

}  // namespace uplift::ingest
