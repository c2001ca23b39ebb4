#!/usr/bin/env bash
# Identity resolution and the unresolved queue (issue 18), through a real `uplift serve` with
# Skilljar's recorded payloads (tests/data/vendors/skilljar):
#  * a completion for a person no learner matches is kept in the unresolved queue (not stored as
#    an orphan), visible through GET /v1/unresolved and `uplift unresolved list`;
#  * when a learner record gains that email, the completion is applied by itself — the learner's
#    recommendations change — and re-sending the webhook counts nothing twice;
#  * an event type uplift does not use is acknowledged (200, ignored), not refused;
#  * a payload that names the account creates the learner with its Skilljar id as an alias, and
#    a known person (by email) sent with a new Skilljar id gains the alias instead of a twin.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
V="$UPLIFT_SOURCE_DIR/tests/data/vendors/skilljar"
# The shipped config plus a webhook source whose token travels in the URL (sources/*.json).
export UPLIFT_CONFIG_DIR="$E2E_TMP/cfg"
mkdir -p "$UPLIFT_CONFIG_DIR/sources"
cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$UPLIFT_CONFIG_DIR/"
UPLIFT_SKILLJAR_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
export UPLIFT_SKILLJAR_TOKEN
echo '{"sources": [{"name": "skilljar-prod", "type": "skilljar", "token": "env:UPLIFT_SKILLJAR_TOKEN"}]}' \
  >"$UPLIFT_CONFIG_DIR/sources/lms.json"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 60 --seed 3 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
ingest=$(make_key "$db" ingest id-ingest)
read=$(make_key "$db" analyst id-read)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
api="http://127.0.0.1:$port"
post() {  # post PATH FILE → body in $E2E_TMP/out.json, status echoed
  curl -sS -o "$E2E_TMP/out.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
    -H "Content-Type: ${3:-application/json}" --data-binary @"$2" "$api$1"
}
get() { curl -sS -H "Authorization: Bearer $read" "$api$1"; }
account=$(jq -r 'select(.audience == "customer") | .id' "$E2E_TMP/demo/accounts.ndjson" | head -1)

# A learner of the account, known by another email for now; what uplift recommends to them.
printf '{"kind":"learner","id":"%s-jane","account":"%s","email":"jane.old@example.com","role":"business_user","created_at":"2026-02-01T00:00:00Z"}\n' "$account" "$account" >"$E2E_TMP/jane.ndjson"
[ "$(post /v1/records "$E2E_TMP/jane.ndjson" application/x-ndjson)" = 200 ] || fail "creating the learner: $(cat "$E2E_TMP/out.json")"
get "/v1/learners/$account-jane/recommendations?limit=20" | jq -r '.items[].id' >"$E2E_TMP/recs-before"
course=$(head -1 "$E2E_TMP/recs-before")
[ -n "$course" ] || fail "nothing is recommended to the learner to begin with"

# Skilljar's completion of that course by Jane (jane@example.com): nobody has that email yet.
jq --arg c "$course" '.event_type = "COURSE_COMPLETION" | .course.id = $c | .timestamp = "2026-10-20T10:00:00.123456+00:00"' \
  "$V/COURSE_ENROLLMENT.json" >"$E2E_TMP/completion.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/completion.json")" = 200 ] || fail "the webhook: $(cat "$E2E_TMP/out.json")"
jq -e '.accepted == 0 and .unresolved == 1' "$E2E_TMP/out.json" >/dev/null || fail "not queued: $(cat "$E2E_TMP/out.json")"
get /v1/unresolved >"$E2E_TMP/queue.json"
jq -e '.total == 1 and .items[0].source == "skilljar" and .items[0].person == "jane@example.com" and
       (.items[0].reason | test("email:jane@example.com")) and (.items[0].aliases | index("skilljar:3456789hijklmno")) != null and
       .items[0].record.content == $c' --arg c "$course" "$E2E_TMP/queue.json" >/dev/null || fail "the queue: $(cat "$E2E_TMP/queue.json")"
"$UPLIFT_BIN" unresolved list --db "$db" --json | jq -e 'length == 1' >/dev/null || fail "uplift unresolved list"
[ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $read" "$api/v1/learners/3456789hijklmno")" = 404 ] ||
  fail "an orphan learner 3456789hijklmno appeared"

# Jane's email changes to the one Skilljar knows: the completion is applied by itself.
sed 's/jane.old@example.com/Jane@Example.com/' "$E2E_TMP/jane.ndjson" >"$E2E_TMP/jane2.ndjson"
[ "$(post /v1/records "$E2E_TMP/jane2.ndjson" application/x-ndjson)" = 200 ] || fail "updating the learner"
deadline=$((SECONDS + 20))
until get /v1/unresolved | jq -e '.total == 0' >/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "the queued completion was not applied after the learner gained the email"
  sleep 0.1
done
get "/v1/learners/$account-jane" | jq -e --arg c "$course" '[.completions[] | select(.content == $c)] | length == 1' >/dev/null ||
  fail "the completion is not on the learner"
get "/v1/learners/$account-jane/recommendations?limit=20" | jq -r '.items[].id' >"$E2E_TMP/recs-after"
grep -qx "$course" "$E2E_TMP/recs-after" && fail "$course is still recommended after its completion"
# The same delivery again: resolved at once, and a duplicate.
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/completion.json")" = 200 ] || fail "the webhook again"
jq -e '.accepted == 0 and .duplicates == 1 and (has("unresolved") | not)' "$E2E_TMP/out.json" >/dev/null ||
  fail "re-sent: $(cat "$E2E_TMP/out.json")"
get "/v1/learners/$account-jane" | jq -e --arg c "$course" '[.completions[] | select(.content == $c)] | length == 1' >/dev/null ||
  fail "the completion was counted twice"

# The README's example: an email and no Skilljar user id — the learner holding the email gets it.
printf '{"event_type":"COURSE_COMPLETION","user":{"email":"JANE@example.com"},"course":{"id":"email-only-course"},"timestamp":"2026-10-23T12:00:00Z"}' \
  >"$E2E_TMP/email-only.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/email-only.json")" = 200 ] || fail "email only: $(cat "$E2E_TMP/out.json")"
jq -e '.accepted == 1 and (has("unresolved") | not)' "$E2E_TMP/out.json" >/dev/null || fail "email only: $(cat "$E2E_TMP/out.json")"
get "/v1/learners/$account-jane" | jq -e '[.completions[] | select(.content == "email-only-course")] | length == 1' >/dev/null ||
  fail "the email-only completion is not on Jane"

# Docebo's batch delivery (tests/data/vendors/docebo): Jane by her email; Sam and Lee are nobody yet.
D="$UPLIFT_SOURCE_DIR/tests/data/vendors/docebo"
[ "$(post /v1/webhooks/docebo "$D/batch-course.enrollment.completed.json")" = 200 ] || fail "docebo batch: $(cat "$E2E_TMP/out.json")"
jq -e '.accepted == 1 and .unresolved == 2' "$E2E_TMP/out.json" >/dev/null || fail "docebo batch: $(cat "$E2E_TMP/out.json")"
[ "$(post /v1/webhooks/docebo "$D/batch-course.enrollment.completed.json")" = 200 ] || fail "docebo batch again"
jq -e '.accepted == 0 and .duplicates == 1 and .unresolved == 2' "$E2E_TMP/out.json" >/dev/null ||
  fail "docebo batch re-sent: $(cat "$E2E_TMP/out.json")"
get "/v1/unresolved?source=docebo" | jq -e '.total == 2 and ([.items[].person] | sort) == ["lee@example.com", "sam@example.com"]' >/dev/null ||
  fail "the Docebo queue: $(get "/v1/unresolved?source=docebo")"
[ "$(post /v1/webhooks/docebo "$D/course.enrollment.deleted.json")" = 200 ] && jq -e '.ignored == 1' "$E2E_TMP/out.json" >/dev/null ||
  fail "a Docebo event uplift does not use was not acknowledged: $(cat "$E2E_TMP/out.json")"

# An event type uplift does not use: acknowledged.
[ "$(post /v1/webhooks/skilljar "$V/DOMAIN_ENROLLMENT.json")" = 200 ] || fail "DOMAIN_ENROLLMENT refused: $(cat "$E2E_TMP/out.json")"
jq -e '.ignored == 1 and .accepted == 0' "$E2E_TMP/out.json" >/dev/null || fail "DOMAIN_ENROLLMENT: $(cat "$E2E_TMP/out.json")"

# A new person with the account named: the learner is created with its Skilljar id as an alias.
jq --arg a "$account" '.event_type = "COURSE_COMPLETION" | .course.id = "contracts-at-scale" | .user.id = "sk-new-1" |
    .user.email = "new.person@example.com" | .user.company_id = $a | .timestamp = "2026-10-21T10:00:00+00:00"' \
  "$V/COURSE_ENROLLMENT.json" >"$E2E_TMP/new.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/new.json")" = 200 ] || fail "new person: $(cat "$E2E_TMP/out.json")"
jq -e '.accepted == 2 and (has("unresolved") | not)' "$E2E_TMP/out.json" >/dev/null || fail "new person: $(cat "$E2E_TMP/out.json")"
get /v1/learners/sk-new-1 | jq -e '(.aliases | index("skilljar:sk-new-1")) != null and (.completions | length) == 1' >/dev/null ||
  fail "the new learner lacks its alias or completion: $(get /v1/learners/sk-new-1)"
# Jane again, now with a Skilljar id and the account: no twin; her learner gains the alias.
jq --arg a "$account" '.event_type = "LESSON_COMPLETION" | .lesson = {"id": "lesson-7"} | .user.company_id = $a |
    .timestamp = "2026-10-22T10:00:00+00:00"' "$V/COURSE_ENROLLMENT.json" >"$E2E_TMP/jane-sk.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/jane-sk.json")" = 200 ] || fail "Jane with her Skilljar id: $(cat "$E2E_TMP/out.json")"
[ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $read" "$api/v1/learners/3456789hijklmno")" = 404 ] ||
  fail "a twin learner 3456789hijklmno was created for Jane"
get "/v1/learners/$account-jane" | jq -e '(.aliases | index("skilljar:3456789hijklmno")) != null and
    ([.completions[] | select(.content == "lesson-7")] | length) == 1' >/dev/null ||
  fail "Jane did not gain the Skilljar alias or the lesson: $(get "/v1/learners/$account-jane")"
# The source's own URL: no Authorization header, the token in the path; a wrong token or an
# unknown source is refused.
code=$(curl -sS -o "$E2E_TMP/out.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$E2E_TMP/jane-sk.json" "$api/v1/webhooks/skilljar-prod/$UPLIFT_SKILLJAR_TOKEN")
[ "$code" = 200 ] && jq -e '.source == "skilljar-prod" and .duplicates >= 1' "$E2E_TMP/out.json" >/dev/null ||
  fail "the token URL: $code $(cat "$E2E_TMP/out.json")"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$E2E_TMP/jane-sk.json" "$api/v1/webhooks/skilljar-prod/${UPLIFT_SKILLJAR_TOKEN}0")
[ "$code" = 401 ] || fail "a wrong token gave $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$E2E_TMP/jane-sk.json" "$api/v1/webhooks/nope/$UPLIFT_SKILLJAR_TOKEN")
[ "$code" = 404 ] || fail "an unknown source gave $code"

# The opt-in email-domain rule: an account that lists "domain:<domain>" takes a person nobody
# knows yet whose email is at that domain; a domain no account lists still queues.
printf '{"kind":"account","id":"%s","aliases":["domain:dom-rule.example"]}\n' "$account" >"$E2E_TMP/domain.ndjson"
[ "$(post /v1/records "$E2E_TMP/domain.ndjson" application/x-ndjson)" = 200 ] || fail "adding the domain alias"
jq '.event_type = "COURSE_COMPLETION" | .course.id = "domain-course" | .user.id = "sk-dom-1" |
    .user.email = "Pat@Dom-Rule.example" | .timestamp = "2026-10-24T10:00:00+00:00"' \
  "$V/COURSE_ENROLLMENT.json" >"$E2E_TMP/dom.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/dom.json")" = 200 ] || fail "domain rule: $(cat "$E2E_TMP/out.json")"
jq -e '.accepted == 2 and (has("unresolved") | not)' "$E2E_TMP/out.json" >/dev/null || fail "domain rule: $(cat "$E2E_TMP/out.json")"
get /v1/learners/sk-dom-1 | jq -e --arg a "$account" '.account == $a and .email == "pat@dom-rule.example" and
    (.aliases | index("skilljar:sk-dom-1")) != null and ([.completions[] | select(.content == "domain-course")] | length) == 1' \
  >/dev/null || fail "the domain rule's learner: $(get /v1/learners/sk-dom-1)"
jq '.user.id = "sk-dom-2" | .user.email = "lee@unlisted.example"' "$E2E_TMP/dom.json" >"$E2E_TMP/dom2.json"
[ "$(post /v1/webhooks/skilljar "$E2E_TMP/dom2.json")" = 200 ] && jq -e '.unresolved == 1' "$E2E_TMP/out.json" >/dev/null ||
  fail "a domain no account lists must queue: $(cat "$E2E_TMP/out.json")"

# Segment: identify declares other systems' ids (added to the stored ones); a track of a Segment
# user known under another uplift id (its segment: alias) is credited to that learner.
printf '{"kind":"learner","id":"crm-0042","account":"%s","email":"crm42@example.com","aliases":["salesforce:0035g00000AbCdEAAZ","segment:seg-user-42"]}\n' \
  "$account" >"$E2E_TMP/crm.ndjson"
[ "$(post /v1/records "$E2E_TMP/crm.ndjson" application/x-ndjson)" = 200 ] || fail "the CRM learner"
printf '{"type":"identify","userId":"crm-0042","traits":{"groupId":"%s","aliases":["docebo:777"]},"timestamp":"2026-10-25T10:00:00Z"}' \
  "$account" >"$E2E_TMP/identify.json"
[ "$(post /v1/identify "$E2E_TMP/identify.json")" = 200 ] || fail "identify: $(cat "$E2E_TMP/out.json")"
get /v1/learners/crm-0042 | jq -e '.aliases == (["docebo:777","salesforce:0035g00000AbCdEAAZ","segment:crm-0042","segment:seg-user-42"])' \
  >/dev/null || fail "identify did not add to the stored aliases: $(get /v1/learners/crm-0042 | jq -c .aliases)"
printf '{"type":"track","userId":"seg-user-42","event":"workflow_published","messageId":"seg-alias-1","context":{"groupId":"%s"},"timestamp":"2026-10-25T11:00:00Z"}' \
  "$account" >"$E2E_TMP/track.json"
[ "$(post /v1/track "$E2E_TMP/track.json")" = 200 ] && jq -e '.accepted == 1' "$E2E_TMP/out.json" >/dev/null ||
  fail "track: $(cat "$E2E_TMP/out.json")"
[ "$(sqlite3 "${db#sqlite:}" "select learner from events where id = 'seg-alias-1'")" = crm-0042 ] ||
  fail "the track was not credited to crm-0042: $(sqlite3 "${db#sqlite:}" "select learner from events where id = 'seg-alias-1'")"

echo "OK: queued while unknown, applied when the email arrived (recommendation changed, nothing twice); ignored types acknowledged; aliases learned; Docebo batches; a source's token URL; the domain rule; Segment aliases"
