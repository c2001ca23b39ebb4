#!/usr/bin/env bash
# The education team's week over the real binary and HTTP (issue 19): stage movement per CSM
# against targets is the same from `uplift stages --quarter`, GET /v1/stages/movement and the ROI
# report's CSM table; "accounts" means customer accounts everywhere by default (funnel, list,
# movement, report); the accounts list filters (flag, stalled_days, audience) keep their promise
# and refuse an unknown filter; CSV downloads carry the same rows.
source "$(dirname "$0")/lib/server.sh"
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }
data=$E2E_TMP/demo
db="sqlite:$data/u.db"
"$UPLIFT_BIN" demo generate --accounts 300 --seed 11 --out "$data" >/dev/null
"$UPLIFT_BIN" import -q --db "$db" "$data"/*.ndjson >/dev/null
key=$(make_key "$db" analyst week-e2e)
port=$(free_port)
start_server "$db" "$port"
wait_ready "$port"
api() { curl -sS -H "Authorization: Bearer $key" "http://127.0.0.1:$port$1"; }
code() { curl -sS -o "$E2E_TMP/body" -w '%{http_code}' -H "Authorization: Bearer $key" "http://127.0.0.1:$port$1"; }
Q=2026Q3

# 1. CLI = API for the movement table.
"$UPLIFT_BIN" stages --db "$db" --quarter $Q --format json > "$E2E_TMP/cli.json" || bad "uplift stages --quarter failed"
api "/v1/stages/movement?quarter=$Q" > "$E2E_TMP/api.json"
for f in cells totals moved accounts new_in_quarter; do
  [ "$(jq -c ".$f" "$E2E_TMP/cli.json")" = "$(jq -c ".$f" "$E2E_TMP/api.json")" ] || bad "movement .$f differs between CLI and API"
done
[ "$(jq '.targets' "$E2E_TMP/api.json")" = true ] || bad "the shipped targets/$Q.json is not used"
[ "$(jq '[.cells[] | select(.target_pct != null)] | length' "$E2E_TMP/api.json")" -gt 0 ] || bad "no cell has a target"
moved=$(jq '.moved | length' "$E2E_TMP/api.json")
forward=$(jq '[.cells[].moved_forward] | add' "$E2E_TMP/api.json")
[ "$moved" -gt 0 ] || bad "no account moved in $Q on the demo data"
[ "$moved" = "$forward" ] || bad "$moved moved accounts listed but the cells count $forward forward moves"
# Every share is forward / at start, every met is share >= target.
jq -e '[.cells[] | select(.at_start > 0) | ((.moved_forward * 1000 / .at_start | round) / 10) - .share_pct | fabs < 0.051] | all' \
  "$E2E_TMP/api.json" >/dev/null || bad "a share is not moved_forward / at_start"
jq -e '[.cells[] | select(.met != null) | (.met == (.share_pct >= .target_pct))] | all' "$E2E_TMP/api.json" >/dev/null ||
  bad "a 'met' does not follow from share and target"

# 2. The report's CSM table is the same movement.
"$UPLIFT_BIN" report --db "$db" --quarter $Q --format json > "$E2E_TMP/report.json" 2>/dev/null || bad "report failed"
for csm in $(jq -r '.cells[].csm' "$E2E_TMP/api.json" | sort -u); do
  want=$(jq --arg c "$csm" '[.cells[] | select(.csm == $c)] | {a: (map(.at_start) | add), m: (map(.moved_forward) | add)}' -c "$E2E_TMP/api.json")
  got=$(jq --arg c "$csm" '.csm[] | select(.csm == $c) | {a: .accounts, m: .moved}' -c "$E2E_TMP/report.json")
  [ "$want" = "$got" ] || bad "CSM $csm: movement $want, report $got"
done

# 3. CSV: the same rows.
api "/v1/stages/movement?quarter=$Q&format=csv" > "$E2E_TMP/cells.csv"
api "/v1/stages/movement?quarter=$Q&format=csv&table=moved" > "$E2E_TMP/moved.csv"
[ "$(($(wc -l < "$E2E_TMP/cells.csv") - 1))" = "$(jq '.cells | length' "$E2E_TMP/api.json")" ] || bad "cells CSV rows"
[ "$(($(wc -l < "$E2E_TMP/moved.csv") - 1))" = "$moved" ] || bad "moved CSV rows"
head -1 "$E2E_TMP/moved.csv" | tr -d '\r' | grep -q '^account,name,csm,from,to,direction$' || bad "moved CSV header"
"$UPLIFT_BIN" stages --db "$db" --quarter $Q --format csv --moved | cmp -s - "$E2E_TMP/moved.csv" || bad "CLI moved CSV differs from the API's"

# 4. One definition of "accounts": customers, everywhere by default.
customers=$(jq -r 'select(.kind == "account" and ((.audience // "customer") == "customer")) | .id' "$data"/*.ndjson | sort -u | wc -l)
[ "$(api /v1/stages | jq .total)" = "$customers" ] || bad "funnel total $(api /v1/stages | jq .total) != $customers customers"
[ "$(api '/v1/accounts?per_page=1' | jq .total)" = "$customers" ] || bad "accounts list total != customers"
[ "$("$UPLIFT_BIN" stages --db "$db" --json | jq '[.rows[].accounts] | add')" = "$customers" ] || bad "uplift stages total != customers"
all=$(api '/v1/stages?audience=all' | jq .total)
[ "$all" -gt "$customers" ] || bad "audience=all ($all) should count more than the customers ($customers)"
[ "$(api '/v1/accounts?audience=trial&per_page=500' | jq -c '[.items[].audience] | unique')" = '["trial"]' ] || bad "audience=trial"

# 5. Filters keep their promise; an unknown filter is a 400 that names it.
flagged=$(api '/v1/accounts?flag=usage_decline&per_page=500')
jq -e '.items | all(.flags | map(.kind) | index("usage_decline"))' <<<"$flagged" >/dev/null || bad "flag=usage_decline returned an account without it"
[ "$(jq .total <<<"$flagged")" -lt "$customers" ] || bad "flag=usage_decline did not filter"
stalled=$(api '/v1/accounts?stalled_days=60&per_page=500&sort=stalled_days&order=desc')
jq -e '.items | all(.stalled_days >= 60 and (.frontier | length) > 0)' <<<"$stalled" >/dev/null || bad "stalled_days=60 returned an account that moved or has nothing to reach"
jq -e '[.items[].stalled_days] as $d | $d == ($d | sort | reverse)' <<<"$stalled" >/dev/null || bad "sort=stalled_days&order=desc"
# The stalled view says, per frontier milestone in order, what uplift recommends.
jq -e '.items | all(([.recommended[].milestone]) == ([.frontier[] | if type == "string" then . else .id end]))' <<<"$stalled" >/dev/null \
  || bad "stalled rows: recommended does not follow the frontier"
jq -e '[.items[].recommended[]] | length > 0 and all(.action | IN("course", "practice", "accelerator", "none"))' <<<"$stalled" >/dev/null \
  || bad "stalled rows: no advice, or an unknown action"
jq -e '[.items[].recommended[] | select(.action == "course") | .items | length] | all(. >= 1 and . <= 3)' <<<"$stalled" >/dev/null \
  || bad "stalled rows: a course advice without 1..3 items"
jq -e '[.items[].recommended[] | select(.action == "practice")] | all(.learners >= 1)' <<<"$stalled" >/dev/null \
  || bad "stalled rows: practice advised for an account without learners"
api '/v1/accounts?per_page=5' | jq -e '.items | all(has("recommended") | not)' >/dev/null \
  || bad "the plain list carries recommendations (only the stalled view does)"
echo "stalled view advice: $(jq -c '[.items[].recommended[].action] | group_by(.) | map({(.[0]): length}) | add' <<<"$stalled")"
[ "$(code '/v1/accounts?flag=usage_declin')" = 400 ] || bad "flag=usage_declin is not a 400"
[ "$(code '/v1/accounts?flagg=usage_decline')" = 400 ] && grep -q "unknown parameter 'flagg'" "$E2E_TMP/body" || bad "an unknown filter is not a 400 naming it: $(cat "$E2E_TMP/body")"
[ "$(code '/v1/accounts?_=123')" = 200 ] || bad "a cache buster (_=) is refused"
[ "$(code '/v1/stages/movement?quarter=2026Q9')" = 400 ] || bad "quarter=2026Q9 is not a 400"
[ "$(code '/v1/stages/movement?quarter=2031Q1')" = 400 ] && grep -q "starts after the data ends" "$E2E_TMP/body" || bad "a future quarter: $(cat "$E2E_TMP/body")"
[ "$(code '/v1/stages?audience=aliens')" = 400 ] || bad "audience=aliens is not a 400"
"$UPLIFT_BIN" stages --db "$db" --quarter 2026Q9 >/dev/null 2>"$E2E_TMP/err" && bad "uplift stages --quarter 2026Q9 succeeded"
"$UPLIFT_BIN" stages --db "$db" --moved >/dev/null 2>"$E2E_TMP/err" && bad "--moved without --quarter succeeded"
grep -q "go with --quarter" "$E2E_TMP/err" || bad "--moved without --quarter: $(cat "$E2E_TMP/err")"

# An account known only from its events (no account record) is not a customer account: it shows
# under audience=all only, and in no customer count.
KEY_IN=$(make_key "$db" ingest week-ingest)
curl -sS -o /dev/null -X POST "http://127.0.0.1:$port/v1/records" -H "Authorization: Bearer $KEY_IN" \
  -H 'Content-Type: application/x-ndjson' --data-binary '{"kind":"event","id":"orphan-1","account":"no-record-acct","name":"workflow_published","ts":"2026-09-01T00:00:00Z"}'
[ "$(api /v1/stages | jq .total)" = "$customers" ] || bad "an account without a record changed the customer funnel"
[ "$(api '/v1/accounts?q=no-record-acct&audience=all' | jq .total)" = 1 ] || bad "the account without a record is not listed under audience=all"
[ "$(api '/v1/accounts?q=no-record-acct' | jq .total)" = 0 ] || bad "the account without a record is listed as a customer"
"$UPLIFT_BIN" stages --db "$db" --quarter 2031Q1 >/dev/null 2>"$E2E_TMP/err" && bad "a quarter after the data succeeded in the CLI"
grep -q "starts after the data ends" "$E2E_TMP/err" || bad "future quarter in the CLI: $(cat "$E2E_TMP/err")"

[ "$fail" = 0 ] && echo "ok: movement = report CSM table = CLI; customers by default; filters and CSVs"
exit "$fail"
