#!/usr/bin/env bash
# `uplift demo generate` as ./run demo uses it: the files appear, the same seed gives the same
# bytes, truth.json and cohorts.json say what was planted, bad flags exit 2, and the whole output
# imports into a fresh SQLite database with nothing rejected.
set -euo pipefail
BIN=${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

files="accounts.ndjson learners.ndjson events.ndjson completions.ndjson attendance.ndjson arr.ndjson renewals.ndjson cohorts.json truth.json"

"$BIN" demo generate --accounts 150 --seed 11 --out "$TMP/a" > "$TMP/a.out"
"$BIN" demo generate --accounts 150 --seed 11 --out "$TMP/b" > /dev/null
"$BIN" demo generate --accounts 150 --seed 12 --out "$TMP/c" > /dev/null
grep -q "events" "$TMP/a.out" || bad "no summary printed: $(cat "$TMP/a.out")"
for f in $files; do
  [ -s "$TMP/a/$f" ] || bad "$f missing or empty"
  cmp -s "$TMP/a/$f" "$TMP/b/$f" || bad "$f differs between two runs with seed 11"
done
cmp -s "$TMP/a/events.ndjson" "$TMP/c/events.ndjson" && bad "seeds 11 and 12 wrote the same events"

# truth.json counts what was written and names the experiment.
events=$(wc -l < "$TMP/a/events.ndjson")
[ "$(jq .events "$TMP/a/truth.json")" = "$events" ] || bad "truth.json events != events.ndjson lines ($events)"
[ "$(jq -r .quarter "$TMP/a/truth.json")" = "2026Q3" ] || bad "quarter is not 2026Q3"
[ "$(jq .planted_lift_pct "$TMP/a/truth.json")" = "30" ] || bad "default planted lift is not 30"
[ "$(jq -r '.[0].id' "$TMP/a/cohorts.json")" = "dma-2026q3" ] || bad "first cohort is not dma-2026q3"
[ "$(jq '.[0].holdout | length' "$TMP/a/cohorts.json")" = "$(jq '.accelerator.holdout | length' "$TMP/a/truth.json")" ] \
  || bad "cohorts.json and truth.json disagree on the holdout"

# --lift and --now change what is planted.
"$BIN" demo generate --accounts 50 --seed 11 --lift 10 --now 2026-12-15 --out "$TMP/d" > /dev/null
[ "$(jq .planted_lift_pct "$TMP/d/truth.json")" = "10" ] || bad "--lift 10 not recorded"
[ "$(jq -r .now "$TMP/d/truth.json")" = "2026-12-15" ] || bad "--now not recorded"

# Usage errors exit 2 and name the problem.
set +e
"$BIN" demo generate --accounts 0 --out "$TMP/e" 2> "$TMP/err"; rc=$?
[ $rc -eq 2 ] || bad "--accounts 0 exited $rc, want 2"
"$BIN" demo generate --now 2026-02-30 --out "$TMP/e" 2> "$TMP/err"; rc=$?
[ $rc -eq 2 ] || bad "--now 2026-02-30 exited $rc, want 2"
grep -q -- "--now" "$TMP/err" || bad "bad --now not named: $(cat "$TMP/err")"
set -e

# The generated data imports cleanly (what ./run demo does next).
if "$BIN" import --help > /dev/null 2>&1; then
  "$BIN" import -q --db "sqlite:$TMP/demo.db" "$TMP/a"/*.ndjson > "$TMP/import.out" 2> "$TMP/import.err" \
    || bad "import of the demo data failed: $(cat "$TMP/import.err")"
fi

[ $fail -eq 0 ] && echo "demo e2e: ok"
exit $fail
