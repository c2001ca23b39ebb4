#!/usr/bin/env bash
# End to end: demo data → import → `uplift cohorts` (import, list, show, invitees CSV, send,
# propose, immutability) → `uplift report` in json (validated with ajv against
# tests/data/report.schema.json), csv and html (opened in Debian chromium through playwright-core:
# the charts render and the page logs no console errors).
source "$(dirname "$0")/lib/server.sh"
E2E_DIR=$UPLIFT_SOURCE_DIR/tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
fail() { echo "FAIL: $*" >&2; exit 1; }

data=$E2E_TMP/demo
db="sqlite:$data/u.db"
"$UPLIFT_BIN" demo generate --accounts 400 --seed 5 --out "$data" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$data"/*.ndjson >/dev/null
quarter=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).quarter)' "$data/truth.json")

# Cohorts: import the generator's file, list, show, invitee CSV.
"$UPLIFT_BIN" cohorts import --db "$db" "$data/cohorts.json" | grep -q "imported" || fail "cohorts import"
"$UPLIFT_BIN" cohorts list --db "$db" | grep -q "data_manager_accelerator" || fail "cohorts list"
cid=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1]))[0].id)' "$data/cohorts.json")
"$UPLIFT_BIN" cohorts show --db "$db" "$cid" > "$E2E_TMP/cohort.json"
node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1])); if(!c.invitees.length||!c.holdout.length) process.exit(1)' "$E2E_TMP/cohort.json" || fail "cohorts show"
"$UPLIFT_BIN" cohorts invitees --db "$db" "$cid" --csv > "$E2E_TMP/invitees.csv"
head -1 "$E2E_TMP/invitees.csv" | tr -d '\r' | grep -qx "account,account_name,csm,learner,email,role,reason,crm_account_id,crm_contact_id,program,cohort" || fail "invitee CSV header"
[ "$(wc -l < "$E2E_TMP/invitees.csv")" -gt 1 ] || fail "invitee CSV has no rows"
# CRM round trip: an invited account known to Salesforce carries its id into the invitee CSV (for
# a campaign upload), and the holdout list downloads as a suppression list with program and cohort.
first=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).invitees[0].account)' "$E2E_TMP/cohort.json")
held=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).holdout[0])' "$E2E_TMP/cohort.json")
printf '{"kind":"account","id":"%s","aliases":["salesforce:0015g00000XyZabAAB"]}\n{"kind":"account","id":"%s","aliases":["salesforce:0015g00000HeLdAAAQ"]}\n' \
  "$first" "$held" | "$UPLIFT_BIN" import --db "$db" - >/dev/null || fail "adding Salesforce ids"
"$UPLIFT_BIN" cohorts invitees --db "$db" "$cid" > "$E2E_TMP/invitees.csv"
"$UPLIFT_BIN" cohorts holdout --db "$db" "$cid" > "$E2E_TMP/holdout.csv"
node -e '
  const fs = require("fs");
  const rows = (f) => {  // RFC 4180: quoted cells may hold commas and doubled quotes
    const out = [[]]; let cell = "", q = false; const t = fs.readFileSync(f, "utf8");
    for (let i = 0; i < t.length; i++) {
      const ch = t[i];
      if (q) { if (ch === "\"" && t[i + 1] === "\"") { cell += ch; i++; } else if (ch === "\"") q = false; else cell += ch; }
      else if (ch === "\"") q = true;
      else if (ch === ",") { out[out.length - 1].push(cell); cell = ""; }
      else if (ch === "\r" && t[i + 1] === "\n") { out[out.length - 1].push(cell); cell = ""; out.push([]); i++; }
      else cell += ch;
    }
    if (out[out.length - 1].length === 0) out.pop();
    return out;
  };
  const [inv, hold, c] = [rows(process.argv[1]), rows(process.argv[2]), JSON.parse(fs.readFileSync(process.argv[3]))];
  const col = (t, name) => t[0].indexOf(name);
  const invited = inv.slice(1).filter((r) => r[0] === c.invitees[0].account);
  if (!invited.length || invited.some((r) => r[col(inv, "crm_account_id")] !== "0015g00000XyZabAAB")) throw "invitee crm_account_id";
  if (inv.slice(1).some((r) => r[col(inv, "program")] !== c.program || r[col(inv, "cohort")] !== c.id)) throw "invitee program/cohort";
  if (hold[0].join(",") !== "account,account_name,csm,arr,renewal_date,crm_account_id,program,cohort") throw "holdout header " + hold[0];
  if (hold.length - 1 !== c.holdout.length) throw "holdout rows";
  if (hold[1][0] !== c.holdout[0] || hold[1][col(hold, "crm_account_id")] !== "0015g00000HeLdAAAQ") throw "holdout crm id";
  if (hold.slice(1).some((r) => r[col(hold, "cohort")] !== c.id)) throw "holdout cohort";
' "$E2E_TMP/invitees.csv" "$E2E_TMP/holdout.csv" "$E2E_TMP/cohort.json" || fail "CRM round trip in the invitee/holdout CSVs"
# Re-importing the same sent cohort is a no-op; changing it is refused.
"$UPLIFT_BIN" cohorts import --db "$db" "$data/cohorts.json" >/dev/null || fail "re-import of identical cohorts"
node -e 'const f=require("fs");const a=JSON.parse(f.readFileSync(process.argv[1]));a[0].holdout=[];a[0].status="sent";f.writeFileSync(process.argv[2],JSON.stringify([a[0]]))' \
  "$data/cohorts.json" "$E2E_TMP/changed.json"
set +e
"$UPLIFT_BIN" cohorts import --db "$db" "$E2E_TMP/changed.json" 2> "$E2E_TMP/err.txt"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "cannot change" "$E2E_TMP/err.txt" || fail "changing a sent cohort must be refused (rc $rc)"

# Propose a new cohort with the shipped program and save it, then send it.
"$UPLIFT_BIN" cohorts propose --db "$db" data_manager_accelerator --id e2e-next --seed 3 --create --json > "$E2E_TMP/proposal.json"
node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1])); if(c.status!=="proposed"||c.seed!==3) process.exit(1)' "$E2E_TMP/proposal.json" || fail "propose --json"
"$UPLIFT_BIN" cohorts send --db "$db" e2e-next | grep -q "is sent" || fail "cohorts send"

# The report in three formats.
"$UPLIFT_BIN" report --db "$db" --quarter "$quarter" --format json --out "$E2E_TMP/report.json" 2>/dev/null
"$UPLIFT_BIN" report --db "$db" --quarter "$quarter" --format csv --out "$E2E_TMP/report.csv" 2>/dev/null
"$UPLIFT_BIN" report --db "$db" --quarter "$quarter" --format html --out "$E2E_TMP/report.html" 2>/dev/null
head -1 "$E2E_TMP/report.csv" | tr -d '\r' | grep -qx "quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note" || fail "report CSV header"
set +e
"$UPLIFT_BIN" report --db "$db" --quarter 2026Q5 --format json >/dev/null 2>&1
[ $? = 2 ] || fail "a bad quarter must exit 2"
set -e

# Stored milestone states: after `uplift rebuild` the report reads them (and only the programs'
# target events) instead of evaluating every account, and says exactly the same; a write after
# the rebuild, other milestone definitions or --evaluate make it evaluate again.
report_with() {  # OUT TIMING [flags...]: the JSON report, stderr timing line in TIMING
  local out=$1 timing=$2
  shift 2
  "$UPLIFT_BIN" report --db "$db" --quarter "$quarter" --format json --timing --out "$out" "$@" 2>"$timing"
}
report_with "$E2E_TMP/evaluated.json" "$E2E_TMP/t.txt"
grep -q '"states": "evaluated"' "$E2E_TMP/t.txt" || fail "without a rebuild the report must evaluate"
"$UPLIFT_BIN" rebuild --db "$db" >/dev/null 2>&1 || fail "rebuild"
report_with "$E2E_TMP/stored.json" "$E2E_TMP/t.txt"
grep -q '"states": "stored"' "$E2E_TMP/t.txt" || fail "after a rebuild the report must read the stored states"
cmp -s "$E2E_TMP/evaluated.json" "$E2E_TMP/stored.json" || fail "stored states must give the same report as evaluating"
report_with "$E2E_TMP/forced.json" "$E2E_TMP/t.txt" --evaluate
grep -q '"states": "evaluated"' "$E2E_TMP/t.txt" || fail "--evaluate must evaluate"
mkdir -p "$E2E_TMP/config"
cp -r "$UPLIFT_SOURCE_DIR/milestones" "$UPLIFT_SOURCE_DIR/content_maps" "$E2E_TMP/config/"
for f in "$E2E_TMP/config/milestones"/*; do echo >>"$f"; done  # same graph, other bytes: not trusted
report_with "$E2E_TMP/other.json" "$E2E_TMP/t.txt" --config "$E2E_TMP/config"
grep -q '"states": "evaluated"' "$E2E_TMP/t.txt" || fail "other milestone definitions must not use the stored states"
head -1 "$data/events.ndjson" | sed 's/"id":"[^"]*"/"id":"e2e-after-rebuild"/' > "$E2E_TMP/late.ndjson"
"$UPLIFT_BIN" import --db "$db" -q "$E2E_TMP/late.ndjson" >/dev/null || fail "import of one late event"
report_with "$E2E_TMP/late.json" "$E2E_TMP/t.txt"
grep -q '"states": "evaluated"' "$E2E_TMP/t.txt" || fail "a write after the rebuild must make the stored states stale"

[ -d "$E2E_DIR/node_modules/ajv" ] || fail "run 'npm ci' in tests/e2e first (ajv missing)"
cd "$E2E_DIR"
REPORT_JSON=$E2E_TMP/report.json REPORT_HTML=$E2E_TMP/report.html TRUTH_JSON=$data/truth.json \
  SCHEMA=$UPLIFT_SOURCE_DIR/tests/data/report.schema.json CHROMIUM=$CHROMIUM \
  node --test --test-reporter=spec report/*.test.mjs
