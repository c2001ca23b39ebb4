#!/usr/bin/env bash
# `--as-of` is a hard cut (issue 16): a report as of a date reads nothing dated after it. The demo
# data is split at the end of 2026Q3: the records up to it are imported, the report as of
# 2026-09-30 is written; then everything after it (October's events, ARR snapshots, renewals,
# attendance, completions) is appended and the same report is written again — byte-identical.
# And a report as of an earlier date (2026-08-31) differs and says which participants' windows
# it could not observe, instead of claiming usage is undercounted.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
data=$E2E_TMP/demo
"$UPLIFT_BIN" demo generate --accounts 600 --seed 11 --out "$data" >/dev/null
mkdir -p "$E2E_TMP/early" "$E2E_TMP/late"
# Split every file at the cut: a record's time is ts, else date; records with neither go early.
node -e '
const fs = require("fs"), path = require("path");
const [dir, early, late] = process.argv.slice(1);
const cut = Date.parse("2026-09-30T23:59:59.999Z");
let lateCount = 0;
for (const f of fs.readdirSync(dir).filter(f => f.endsWith(".ndjson"))) {
  const a = [], b = [];
  for (const line of fs.readFileSync(path.join(dir, f), "utf8").split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const t = r.ts ? Date.parse(r.ts) : r.date ? Date.parse(r.date + "T00:00:00Z") : null;
    (t !== null && t > cut ? b : a).push(line);
  }
  lateCount += b.length;
  fs.writeFileSync(path.join(early, f), a.join("\n") + "\n");
  fs.writeFileSync(path.join(late, f), b.join("\n") + (b.length ? "\n" : ""));
}
if (lateCount < 100) { console.error("only " + lateCount + " records after the cut"); process.exit(1); }
' "$data" "$E2E_TMP/early" "$E2E_TMP/late" || fail "splitting the demo data"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" import -q --db "$db" "$E2E_TMP"/early/*.ndjson >/dev/null
"$UPLIFT_BIN" cohorts import --db "$db" "$data/cohorts.json" >/dev/null
report() { "$UPLIFT_BIN" report --db "$db" --quarter 2026Q3 --as-of "$1" --format json --evaluate; }
report 2026-09-30 > "$E2E_TMP/before.json" || fail "report before appending"
report 2026-08-31 > "$E2E_TMP/aug.json" || fail "report as of August"
"$UPLIFT_BIN" import -q --db "$db" "$E2E_TMP"/late/*.ndjson >/dev/null
report 2026-09-30 > "$E2E_TMP/after.json" || fail "report after appending"
cmp -s "$E2E_TMP/before.json" "$E2E_TMP/after.json" ||
  fail "the report as of 2026-09-30 changed when later records were appended: $(diff <(jq -S . "$E2E_TMP/before.json") <(jq -S . "$E2E_TMP/after.json") | head -20)"
report 2026-08-31 > "$E2E_TMP/aug2.json"
cmp -s "$E2E_TMP/aug.json" "$E2E_TMP/aug2.json" || fail "the report as of 2026-08-31 changed when later records were appended"
cmp -s "$E2E_TMP/aug.json" "$E2E_TMP/before.json" && fail "reports as of 08-31 and 09-30 are identical: the cut does nothing"
jq -e '.as_of | startswith("2026-08-31")' "$E2E_TMP/aug.json" >/dev/null || fail "as_of not reported"
jq -e '[.programs[].warnings[] | select(test("undercounted|latest ARR used"))] | length == 0' "$E2E_TMP/before.json" >/dev/null ||
  fail "the old, false warnings are back"
jq -e '[.programs[] | select(.unobserved.usage > 0 or .unobserved.arr > 0)] | length > 0' "$E2E_TMP/aug.json" >/dev/null ||
  fail "as of 08-31 no participant is reported as unobserved"
jq -e '[.programs[].warnings[] | select(test("left out of the (usage|ARR) estimate"))] | length > 0' "$E2E_TMP/aug.json" >/dev/null ||
  fail "as of 08-31 no warning names the participants left out"
# No causal figure without its interval, anywhere in the JSON.
for f in before aug; do
  jq -e '[.programs[] | (.usage_lift | select(.did_pct != null and .ci95_pct == null)),
          (.adoption | select(.diff_pts != null and .ci95_pts == null)),
          (.arr_lift | select(.incremental_arr != null and .ci95 == null)),
          (.dose_response[] | select(.did_pct != null and .ci95_pct == null)),
          (.conversion | select(.diff_pts != null and .ci95_pts == null))] | length == 0' "$E2E_TMP/$f.json" >/dev/null ||
    fail "$f: a causal figure without its interval"
done
echo "report as of: byte-identical after appending $(cat "$E2E_TMP"/late/*.ndjson | wc -l) later records"
