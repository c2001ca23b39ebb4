#!/usr/bin/env bash
# Cohorts and the ROI report over HTTP on demo data (tests/e2e/api/cohorts.test.mjs): preview,
# create, CSV == JSON, immutability after send, validation errors, report == `uplift report`;
# then the server is restarted and the sent cohort, its holdout and its CSV must be unchanged.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
demo=$API_TMP/demo
"$UPLIFT_BIN" demo generate --accounts 300 --seed 7 --out "$demo" >/dev/null
"$UPLIFT_BIN" import --db "sqlite:$API_TMP/uplift.db" "$demo"/*.ndjson >/dev/null
"$UPLIFT_BIN" cohorts import --db "sqlite:$API_TMP/uplift.db" "$demo/cohorts.json" >/dev/null
api_start
export COHORTS_STATE=$API_TMP/cohorts-state.json
run_node_tests api/cohorts.test.mjs
api_stop
api_serve
COHORTS_PHASE=restart run_node_tests api/cohorts.test.mjs

# Two server processes over one database, creating cohorts without an id at the same moment: the
# default id ("<program>-<quarter>", then "-2", "-3"…) is picked by each process from what it saw
# stored, so both may pick the same one — each cohort must still be created once, under an id of
# its own, and none overwritten.
echo "== two servers racing to create cohorts under default ids"
second_log=$API_TMP/server2.log
"$UPLIFT_BIN" serve --db "$DB_URL" --host 127.0.0.1 --port 0 --threads 8 2>"$second_log" &
SECOND_PID=$!
trap 'kill -TERM "$SECOND_PID" 2>/dev/null || true; api_cleanup' EXIT
second_port=""
for _ in $(seq 1 300); do
  second_port=$(grep -o '"msg":"listening"[^}]*"port":[0-9]*' "$second_log" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
  [ -n "$second_port" ] && break
  sleep 0.1
done
[ -n "$second_port" ] || { echo "second server did not start" >&2; cat "$second_log" >&2; exit 1; }
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$second_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
before=$(curl -fsS -H "Authorization: Bearer $KEY_ADMIN" "$API_URL/v1/cohorts" | jq '.total')
race_dir=$API_TMP/race
mkdir -p "$race_dir"
pids=()
for i in 1 2 3 4 5 6; do
  url=$API_URL
  [ $((i % 2)) -eq 0 ] && url="http://127.0.0.1:$second_port"
  curl -sS -o "$race_dir/$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $KEY_ADMIN" \
    -H 'Content-Type: application/json' -d '{"program":"data_manager_accelerator","capacity":2,"holdout_fraction":0}' \
    "$url/v1/cohorts" >"$race_dir/$i.code" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
codes=$(cat "$race_dir"/*.code | sort | uniq -c | tr -s ' \n' ' ')
ids=$(jq -r '.id' "$race_dir"/*.json | sort)
after=$(curl -fsS -H "Authorization: Bearer $KEY_ADMIN" "$API_URL/v1/cohorts" | jq '.total')
echo "   responses: $codes; ids: $(echo $ids)"
[ "$(cat "$race_dir"/*.code | sort -u)" = "201" ] || { echo "FAIL: not every create answered 201: $codes" >&2; cat "$race_dir"/*.json >&2; exit 1; }
[ "$(echo "$ids" | sort -u | wc -l)" -eq 6 ] || { echo "FAIL: two creates reported the same id: $ids" >&2; exit 1; }
[ "$after" -eq $((before + 6)) ] || { echo "FAIL: $((after - before)) cohorts stored for 6 creates" >&2; exit 1; }
invited=$(jq -r '.invitees[].account' "$race_dir"/*.json | sort)
[ "$(echo "$invited" | sort -u)" = "$invited" ] || { echo "FAIL: an account was invited into two of the cohorts" >&2; exit 1; }
for f in "$race_dir"/*.json; do  # each stored cohort is the one its creator was told about
  id=$(jq -r '.id' "$f")
  stored=$(curl -fsS -H "Authorization: Bearer $KEY_ADMIN" "$API_URL/v1/cohorts/$id" | jq -c '.invitees')
  [ "$stored" = "$(jq -c '.invitees' "$f")" ] || { echo "FAIL: cohort $id was overwritten" >&2; exit 1; }
done
kill -TERM "$SECOND_PID"
wait "$SECOND_PID" || true
echo "   ok: 6 cohorts, 6 ids, none overwritten"
