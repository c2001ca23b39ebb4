#!/usr/bin/env bash
# `uplift triggers` on demo data (issue 17): the shipped rules validate; a bad rules directory is
# refused with every problem (file, rule, field) and exit 1; `run` lists alerts whose accounts
# really carry the signal; `test` explains one rule for one account (exit 1 when it does not hold).
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$UPLIFT_BIN" triggers validate | grep -q "ok — " || fail "the shipped triggers do not validate"
mkdir -p "$E2E_TMP/bad"
cat >"$E2E_TMP/bad/x.json" <<'JSON'
{"triggers": [{"id": "a", "when": {"flag": "decline"}}, {"id": "b", "when": {"milestone_stalled": "nope", "days": 3}}]}
JSON
set +e
out=$("$UPLIFT_BIN" triggers validate "$E2E_TMP/bad" 2>&1); rc=$?
set -e
[ "$rc" = 1 ] || fail "a bad rules directory exited $rc"
grep -q 'x.json: trigger "a": when.flag: must be usage_decline or out_of_order' <<<"$out" || fail "problem for rule a missing: $out"
grep -q "x.json: trigger \"b\": when.milestone_stalled: 'nope' is not a milestone" <<<"$out" || fail "problem for rule b missing: $out"

db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 300 --seed 7 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
"$UPLIFT_BIN" triggers run --db "$db" --json >"$E2E_TMP/alerts.json"
n=$(jq length "$E2E_TMP/alerts.json")
[ "$n" -gt 0 ] || fail "no alert on the demo data"
jq -e 'all(.id | test("^alr_[0-9a-f]{16}$")) and all(.what != "" and .action != "" and has("account_name") and has("csm"))' "$E2E_TMP/alerts.json" >/dev/null ||
  fail "an alert lacks its id, reason, action or account context"
[ "$(jq '[.[].id] | unique | length' "$E2E_TMP/alerts.json")" = "$n" ] || fail "alert ids repeat"
# The usage-decline alerts are exactly the customer accounts the API lists as flagged.
"$UPLIFT_BIN" triggers run --db "$db" --rule usage_decline_outreach --json | jq -r '.[].account' | sort >"$E2E_TMP/alerted"
key=$(make_key "$db" analyst triggers-e2e)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/accounts?flag=usage_decline&per_page=500" |
  jq -r '.items[].id' | sort >"$E2E_TMP/flagged"
[ -s "$E2E_TMP/flagged" ] || fail "the demo data has no usage-decline account to compare with"
cmp -s "$E2E_TMP/alerted" "$E2E_TMP/flagged" || { diff "$E2E_TMP/alerted" "$E2E_TMP/flagged" | head >&2; fail "alerted and flagged accounts differ"; }
a=$(jq -r '[.[] | select(.rule == "usage_decline_outreach")][0].account' "$E2E_TMP/alerts.json")
"$UPLIFT_BIN" triggers test usage_decline_outreach --account "$a" --db "$db" |
  jq -e --arg a "$a" '.alert.account.id == $a and (.alert.what | test("usage_decline")) and (.slack.blocks | length) > 2 and
                      (.slack.text | test("Usage declining")) and .webhook.type == "alert.fired" and .webhook.data.id == .alert.id' >/dev/null ||
  fail "triggers test did not explain the alert for $a"
set +e
"$UPLIFT_BIN" triggers test advanced_reached_expansion --account nobody --db "$db" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" = 2 ] || fail "an unknown account exited $rc, want 2"
echo "OK: $n alerts on the demo data, $(wc -l <"$E2E_TMP/alerted") of them usage decline"
