#!/usr/bin/env bash
# Config reload without a restart (issue 23): POST /v1/admin/reload and SIGHUP swap a valid config
# in whole (a new milestone is served and evaluated from stored events; a new webhook source
# answers), while readers and writers keep going (every read 200, every ingest acknowledged); an
# invalid config is refused with every problem of every folder listed (422) and the running
# config keeps serving.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
export UPLIFT_CONFIG_DIR="$E2E_TMP/cfg"
mkdir -p "$UPLIFT_CONFIG_DIR"
cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$UPLIFT_CONFIG_DIR/"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 40 --seed 4 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
admin=$(make_key "$db" admin rl-admin); read=$(make_key "$db" analyst rl-read); ingest=$(make_key "$db" ingest rl-ingest)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
api="http://127.0.0.1:$port"
account=$(jq -r 'select(.audience == "customer") | .id' "$E2E_TMP/demo/accounts.ndjson" | head -1)
reload() { curl -sS -o "$E2E_TMP/reload.json" -w '%{http_code}' -X POST --data '' -H "Authorization: Bearer $admin" "$api/v1/admin/reload"; }
milestone() {  # milestone ID -> the account's status of it, or "absent"
  curl -fsS -H "Authorization: Bearer $read" "$api/v1/accounts/$account" |
    jq -r --arg m "$1" '[.milestones[] | select(.id == $m)] | if length == 0 then "absent" else (.[0].achieved | tostring) end'
}
n_before=$(curl -fsS -H "Authorization: Bearer $read" "$api/v1/milestones" | jq '.milestones | length')

# Load while reloading: readers and a writer, bounded, killed by PID.
( for i in $(seq 1 400); do
    curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $read" "$api/v1/accounts/$account"
  done >"$E2E_TMP/reads.txt" ) & readers=$!; E2E_PIDS+=("$readers")
( for i in $(seq 1 60); do
    printf '{"kind":"event","id":"rl-%s","account":"%s","name":"group_created","ts":"2026-10-01T10:%02d:00Z","props":{"group_id":"rl%s"}}\n' \
      "$i" "$account" "$((i % 60))" "$i" |
      curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $ingest" \
        -H 'Content-Type: application/x-ndjson' --data-binary @- "$api/v1/records"
  done >"$E2E_TMP/writes.txt" ) & writer=$!; E2E_PIDS+=("$writer")

# 1. A valid change through the API: a milestone counted from an event the account already has.
event=$(jq -r --arg a "$account" 'select(.account == $a) | .name' "$E2E_TMP/demo/events.ndjson" | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
[ -n "$event" ] || fail "the account has no events"
printf '{"milestones": [{"id": "reload_probe", "title": "Reload probe", "event": "%s", "count": 1}]}\n' "$event" \
  >"$UPLIFT_CONFIG_DIR/milestones/reload.json"
[ "$(milestone reload_probe)" = absent ] || fail "the milestone exists before the reload"
[ "$(reload)" = 200 ] || fail "reload: $(cat "$E2E_TMP/reload.json")"
jq -e --argjson n "$n_before" '.reloaded and .milestones == $n + 1' "$E2E_TMP/reload.json" >/dev/null ||
  fail "reload answer: $(cat "$E2E_TMP/reload.json")"
[ "$(milestone reload_probe)" = true ] || fail "the new milestone is not served as achieved from the stored events"

# 2. An invalid config in two folders: 422, both problems listed, the old config still served.
cp -r "$UPLIFT_CONFIG_DIR" "$E2E_TMP/cfg-good"
echo '{ not json' >"$UPLIFT_CONFIG_DIR/segments/broken.json"
echo '{"sources": [{"name": "lms", "type": "moodle", "token": "short"}]}' >"$UPLIFT_CONFIG_DIR/sources.json.tmp"
mkdir -p "$UPLIFT_CONFIG_DIR/sources" && mv "$UPLIFT_CONFIG_DIR/sources.json.tmp" "$UPLIFT_CONFIG_DIR/sources/bad.json"
[ "$(reload)" = 422 ] || fail "an invalid config was not refused: $(cat "$E2E_TMP/reload.json")"
jq -e '(.problems | length) >= 2 and any(.problems[]; test("segments")) and any(.problems[]; test("sources/bad.json"))' \
  "$E2E_TMP/reload.json" >/dev/null || fail "not every problem listed: $(cat "$E2E_TMP/reload.json")"
[ "$(milestone reload_probe)" = true ] || fail "the running config changed after a refused reload"

# 3. SIGHUP: a valid config with a new webhook source; the source answers afterwards.
rm "$UPLIFT_CONFIG_DIR/segments/broken.json"
token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
printf '{"sources": [{"name": "lms", "type": "skilljar", "token": "%s"}]}\n' "$token" >"$UPLIFT_CONFIG_DIR/sources/bad.json"
probe() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"event_type":"PING","timestamp":"2026-10-02T10:00:00Z"}' "$api/v1/webhooks/lms/$token"; }
[ "$(probe)" = 404 ] || fail "the source answered before the reload"
kill -HUP "$SERVER_PID"
deadline=$((SECONDS + 20))
until [ "$(probe)" = 200 ]; do
  [ $SECONDS -lt $deadline ] || fail "the new source did not answer after SIGHUP: $(grep reload "$E2E_TMP"/server-*.log | tail -3)"
  sleep 0.2
done
until grep -q '"msg":"config reloaded","by":"SIGHUP"' "$E2E_TMP"/server-*.log; do
  [ $SECONDS -lt $deadline ] || fail "SIGHUP reload not logged"
  sleep 0.2
done

wait "$readers" "$writer"
[ "$(sort -u "$E2E_TMP/reads.txt")" = 200 ] || fail "reads during reloads: $(sort "$E2E_TMP/reads.txt" | uniq -c)"
[ "$(sort -u "$E2E_TMP/writes.txt")" = 200 ] || fail "writes during reloads: $(sort "$E2E_TMP/writes.txt" | uniq -c)"
[ "$(wc -l <"$E2E_TMP/reads.txt")" = 400 ] && [ "$(wc -l <"$E2E_TMP/writes.txt")" = 60 ] || fail "load incomplete"
kill -0 "$SERVER_PID" || fail "the server died"
echo "OK: reload by API and SIGHUP; invalid config refused with every problem; reads and writes all 200 meanwhile"
