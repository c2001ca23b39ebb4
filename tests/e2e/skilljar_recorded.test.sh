#!/usr/bin/env bash
# Every Skilljar payload in tests/data/vendors/skilljar (issue 18; provenance per file in
# tests/data/vendors/SOURCES.md) through a real `uplift serve`, by both ways Skilljar can reach it:
# POST /v1/webhooks/skilljar with an ingest key, and a configured source's token URL
# POST /v1/webhooks/{source}/{token} (no Authorization header, as Skilljar sends by default).
# What each file must do comes from skilljar_recorded.json (the adapter's contract):
#  * a completion-type event lands on the learner holding the payload's email, with the content id
#    read from the file and the expected status and time (microseconds and "+00:00" → ms, "Z");
#  * any other event type is acknowledged (200) and counted as ignored — never a 4xx, which can
#    switch a Skilljar webhook off;
#  * the same delivery again (either route) is a duplicate, never a second completion.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
V="$UPLIFT_SOURCE_DIR/tests/data/vendors/skilljar"
X="$(dirname "$0")/skilljar_recorded.json"

# The files and the expectations name the same set.
(cd "$V" && ls -1 ./*.json | sed 's|^\./||' | sort) >"$E2E_TMP/files"
jq -r '.files | keys[]' "$X" | sort >"$E2E_TMP/expected"
diff "$E2E_TMP/expected" "$E2E_TMP/files" >"$E2E_TMP/diff" ||
  fail "skilljar_recorded.json and $V disagree (< only expected, > only a file): $(cat "$E2E_TMP/diff")"
# Every event type Skilljar has (SOURCES.md: the OpenAPI EventTypeEnum, plus PING) has a file.
for t in COURSE_COMPLETION COURSE_ENROLLMENT DOMAIN_ENROLLMENT LESSON_COMPLETION PATH_COMPLETION PATH_ENROLLMENT \
  PURCHASE_FULFILLMENT QUIZ_COMPLETION VILT_EVENT_REGISTRATION DASHBOARD_TASK_CREATED PING; do
  [ -f "$V/$t.json" ] || fail "no payload for Skilljar's event type $t"
  jq -e --arg t "$t" '.event_type == $t' "$V/$t.json" >/dev/null || fail "$t.json does not carry event_type $t"
done

# The shipped config plus a Skilljar source whose token travels in the URL (sources/*.json).
export UPLIFT_CONFIG_DIR="$E2E_TMP/cfg"
mkdir -p "$UPLIFT_CONFIG_DIR/sources"
cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$UPLIFT_CONFIG_DIR/"
UPLIFT_SKILLJAR_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
export UPLIFT_SKILLJAR_TOKEN
echo '{"sources": [{"name": "skilljar-prod", "type": "skilljar", "token": "env:UPLIFT_SKILLJAR_TOKEN"}]}' \
  >"$UPLIFT_CONFIG_DIR/sources/lms.json"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 20 --seed 5 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
ingest=$(make_key "$db" ingest id-ingest)
read=$(make_key "$db" analyst id-read)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
api="http://127.0.0.1:$port"
get() { curl -sS -H "Authorization: Bearer $read" "$api$1"; }
code_of() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $read" "$api$1"; }
# deliver ROUTE FILE → status echoed, body in $E2E_TMP/out.json. ROUTE: key (the ingest key on
# /v1/webhooks/skilljar) or token (the source's URL, no Authorization header). Skilljar's headers.
deliver() {
  local auth=() url="$api/v1/webhooks/skilljar"
  if [ "$1" = key ]; then auth=(-H "Authorization: Bearer $ingest"); else url="$api/v1/webhooks/skilljar-prod/$UPLIFT_SKILLJAR_TOKEN"; fi
  curl -sS -o "$E2E_TMP/out.json" -w '%{http_code}' -X POST "${auth[@]}" -H 'Content-Type: application/json' \
    -H 'User-Agent: skilljar' --data-binary @"$2" "$url"
}

# Jane, a learner of a customer account, known to uplift by the email Skilljar sends.
account=$(jq -r 'select(.audience == "customer") | .id' "$E2E_TMP/demo/accounts.ndjson" | head -1)
jane="$account-jane"
printf '{"kind":"learner","id":"%s","account":"%s","email":"jane@example.com","role":"business_user","created_at":"2015-01-05T00:00:00Z"}\n' \
  "$jane" "$account" >"$E2E_TMP/jane.ndjson"
code=$(curl -sS -o "$E2E_TMP/out.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
  -H 'Content-Type: application/x-ndjson' --data-binary @"$E2E_TMP/jane.ndjson" "$api/v1/records")
[ "$code" = 200 ] || fail "creating the learner: $code $(cat "$E2E_TMP/out.json")"
get "/v1/learners/$jane" | jq -e '.completions == []' >/dev/null || fail "Jane has completions before any delivery"

completions=0
while read -r f; do
  p="$V/$f"
  exp=$(jq -c --arg f "$f" '.files[$f]' "$X")
  kind=$(jq -r '.expect' <<<"$exp")
  case "$kind" in
    completion)
      content=$(jq -r --argjson e "$exp" 'getpath($e.content | split("."))' "$p")
      [ -n "$content" ] && [ "$content" != null ] || fail "$f: no $(jq -r .content <<<"$exp") in the file"
      ts=$(jq -r '.timestamp | sub("(?<ms>\\.[0-9]{3})[0-9]*\\+00:00$"; "\(.ms)Z")' "$p")
      first='.accepted == 1 and .duplicates == 0 and .rejected == [] and (has("unresolved") | not) and (has("ignored") | not)'
      again='.accepted == 0 and .duplicates == 1 and .rejected == [] and (has("unresolved") | not)'
      completions=$((completions + 1)) ;;
    ignored)
      first='.ignored == 1 and .accepted == 0 and .duplicates == 0 and .rejected == []'
      again=$first ;;
    *) fail "$f: unknown expectation $exp" ;;
  esac
  code=$(deliver key "$p")
  [ "$code" = 200 ] && jq -e "$first" "$E2E_TMP/out.json" >/dev/null || fail "$f with the ingest key: $code $(cat "$E2E_TMP/out.json")"
  code=$(deliver token "$p")
  [ "$code" = 200 ] && jq -e "$again and .source == \"skilljar-prod\"" "$E2E_TMP/out.json" >/dev/null ||
    fail "$f again, by the token URL: $code $(cat "$E2E_TMP/out.json")"
  code=$(deliver key "$p")
  [ "$code" = 200 ] && jq -e "$again" "$E2E_TMP/out.json" >/dev/null || fail "$f a third time: $code $(cat "$E2E_TMP/out.json")"
  if [ "$kind" = completion ]; then
    status=$(jq -r '.status' <<<"$exp")
    get "/v1/learners/$jane" >"$E2E_TMP/jane.json"
    jq -e --arg c "$content" --arg s "$status" --arg ts "$ts" \
      '[.completions[] | select(.content == $c and .status == $s)] | length == 1 and .[0].ts == $ts' "$E2E_TMP/jane.json" >/dev/null ||
      fail "$f: not exactly one $status completion of $content at $ts on $jane: $(jq -c .completions "$E2E_TMP/jane.json")"
  fi
  jq -e --argjson n "$completions" '.completions | length == $n' <(get "/v1/learners/$jane") >/dev/null ||
    fail "$f: Jane should hold $completions completions: $(get "/v1/learners/$jane" | jq -c .completions)"
done <"$E2E_TMP/files"

[ "$completions" -gt 0 ] || fail "no completion-type payload was exercised"
# Everything resolved to Jane by her email: nothing queued, no learner under Skilljar's user id.
get /v1/unresolved | jq -e '.total == 0' >/dev/null || fail "something waits in the unresolved queue: $(get /v1/unresolved)"
[ "$(code_of /v1/learners/3456789hijklmno)" = 404 ] || fail "a learner 3456789hijklmno was created beside Jane"

echo "OK: $(wc -l <"$E2E_TMP/files") Skilljar payloads by ingest key and token URL; $completions completions on $jane, each once; the rest acknowledged as ignored"
