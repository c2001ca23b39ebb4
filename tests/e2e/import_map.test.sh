#!/usr/bin/env bash
# Mapped CSV import (`uplift import --map`, issue 18) with the real binary and fresh SQLite files:
#  1. each shipped map (maps/) over its realistic export (tests/data/maps/): the stored records
#     carry the converted values — currency, dates, outcomes — on the account or learner the
#     export names by Salesforce id or email; skipped rows are counted; an unknown learner waits
#     in the unresolved queue and is applied once a learner has the email; re-importing changes
#     nothing; --dry-run and --strict write nothing when they should not;
#  2. the mapping bad-input catalog (tests/data/maps/bad): exact FILE:LINE: field (column): reason
#     lines, exit codes, and the good rows of the same file imported;
#  3. a map that cannot be used: every problem with the map file and JSON pointer, exit 2,
#     nothing imported.
set -euo pipefail
BIN=${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}
SRC=${UPLIFT_SOURCE_DIR:?}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$SRC"  # messages name maps/… and tests/… as given
D=tests/data/maps
fail=0
bad() { echo "FAIL [$1]: $2" >&2; fail=1; }
total_of() { awk '$1 == "total" {print $2, $3, $4}' "$1"; }
fresh_db() {  # fresh_db NAME → URL of a database holding the CRM's accounts and learners
  local url="sqlite:$TMP/$1.db"
  "$BIN" import -q --db "$url" "$D/crm_accounts.ndjson" >/dev/null
  echo "$url"
}
# The stored body of one record as JSON: body KIND RKEY-PATTERN.
q() { sqlite3 "$TMP/$1.db" "$2"; }

# ---- 1. the shipped maps over realistic exports ----------------------------------------------
db=$(fresh_db arr)
"$BIN" import -q --db "$db" --map maps/salesforce-arr.json "$D/salesforce_arr_report.csv" >"$TMP/out" 2>"$TMP/err" ||
  bad arr "exit $?: $(cat "$TMP/err")"
read -r acc dup rej < <(total_of "$TMP/out")
[ "$acc $rej" = "5 0" ] || bad arr "accepted/rejected $acc/$rej, want 5/0"
grep -q '^3 row(s) skipped' "$TMP/out" || bad arr "skipped rows not counted: $(cat "$TMP/out")"
arr() { q arr "select json_extract(body, '\$.arr') from entities where kind = 'arr' and json_extract(body, '\$.account') = '$1' and json_extract(body, '\$.date') = '$2'"; }
[ "$(arr acme 2026-01-15)" = 120000.0 ] || bad arr "acme 2026-01-15: '$(arr acme 2026-01-15)' (\$120,000.00 via salesforce: alias)"
[ "$(arr acme 2026-04-02)" = 24500.0 ] || bad arr "acme 2026-04-02: '$(arr acme 2026-04-02)'"
[ "$(arr initech 2026-03-31)" = 88000.0 ] || bad arr "initech (USD 88,000.00): '$(arr initech 2026-03-31)'"
[ "$(arr umbrella 2026-03-14)" = 15250.5 ] || bad arr "umbrella by its 15-character id: '$(arr umbrella 2026-03-14)'"
[ "$(arr 0015g00000aBcDeAAK 2026-02-02)" = 9600.0 ] || bad arr "an account whose id is the Salesforce id"
[ "$(q arr "select count(*) from entities where kind = 'arr' and json_extract(body, '\$.account') like '0015%' and json_extract(body, '\$.account') != '0015g00000aBcDeAAK'")" = 0 ] ||
  bad arr "a snapshot stored under a raw Salesforce id (an orphan account)"
# Again: nothing changes.
"$BIN" import -q --db "$db" --map maps/salesforce-arr.json "$D/salesforce_arr_report.csv" >"$TMP/out2" 2>&1 || bad arr "second import exit $?"
read -r acc dup rej < <(total_of "$TMP/out2")
[ "$acc $dup" = "0 5" ] || bad arr "second import accepted/duplicates $acc/$dup, want 0/5"

db=$(fresh_db renewals)
"$BIN" import -q --db "$db" --map maps/salesforce-renewals.json "$D/salesforce_renewals_report.csv" >"$TMP/out" 2>"$TMP/err" ||
  bad renewals "exit $?: $(cat "$TMP/err")"
read -r acc dup rej < <(total_of "$TMP/out")
[ "$acc $rej" = "4 0" ] || bad renewals "accepted/rejected $acc/$rej, want 4/0"
grep -q '^2 row(s) skipped' "$TMP/out" || bad renewals "an open stage and a new-business row are not skipped"
renewal() { q renewals "select json_extract(body, '\$.outcome') || ' ' || ifnull(json_extract(body, '\$.arr_before'), '-') || ' ' || ifnull(json_extract(body, '\$.arr_after'), '-') from entities where kind = 'renewal' and json_extract(body, '\$.account') = '$1' and json_extract(body, '\$.date') = '$2'"; }
[ "$(renewal acme 2027-01-14)" = "expanded 144500.0 160000.0" ] || bad renewals "acme: '$(renewal acme 2027-01-14)'"
[ "$(renewal initech 2027-03-30)" = "renewed 88000.0 88000.0" ] || bad renewals "initech: '$(renewal initech 2027-03-30)'"
[ "$(renewal umbrella 2027-03-13)" = "churned 15250.5 0.0" ] || bad renewals "umbrella (Closed Lost): '$(renewal umbrella 2027-03-13)'"
[ "$(renewal hooli 2027-05-09)" = "contracted 12000.0 9000.0" ] || bad renewals "hooli: '$(renewal hooli 2027-05-09)'"

db=$(fresh_db zoom)
zoom=(--map maps/zoom-attendance.json --set program=data_manager_accelerator --set session=2)
"$BIN" import -q --db "$db" "${zoom[@]}" "$D/zoom_attendee_report.csv" >"$TMP/out" 2>"$TMP/err" ||
  bad zoom "exit $?: $(cat "$TMP/err")"
read -r acc dup rej < <(total_of "$TMP/out")
[ "$acc $rej" = "4 0" ] || bad zoom "accepted/rejected $acc/$rej, want 4/0 (host and panelists are not attendees)"
grep -q '^1 record(s) wait in the unresolved queue' "$TMP/out" || bad zoom "the unknown attendee is not queued: $(cat "$TMP/out")"
att() { q zoom "select json_extract(body, '\$.attended') || ' ' || json_extract(body, '\$.ts') || ' ' || json_extract(body, '\$.program') || ' ' || json_extract(body, '\$.session') from entities where kind = 'attendance' and json_extract(body, '\$.learner') = '$1'"; }
[ "$(att acme-jane)" = "1 2026-03-12T09:01:10Z data_manager_accelerator 2" ] || bad zoom "jane (email case differs): '$(att acme-jane)'"
[ "$(att acme-raj)" = "1 2026-03-12T09:04:55Z data_manager_accelerator 2" ] || bad zoom "raj (upper-case email): '$(att acme-raj)'"
[ "$(att umbrella-alice)" = "0 2026-03-06T08:00:00Z data_manager_accelerator 2" ] || bad zoom "a no-show: '$(att umbrella-alice)'"
"$BIN" unresolved list --db "$db" --json >"$TMP/queue.json"
jq -e 'length == 1 and .[0].source == "zoom" and .[0].person == "kim.newhire@hooli.example" and .[0].record.kind == "attendance"' \
  "$TMP/queue.json" >/dev/null || bad zoom "the queue: $(cat "$TMP/queue.json")"
# Importing the same report again queues nothing twice.
"$BIN" import -q --db "$db" "${zoom[@]}" "$D/zoom_attendee_report.csv" >/dev/null 2>&1 || bad zoom "second import exit $?"
[ "$("$BIN" unresolved list --db "$db" --json | jq length)" = 1 ] || bad zoom "the second import queued the attendee again"
# Kim's learner record arrives: retrying applies her attendance.
echo '{"kind":"learner","id":"hooli-kim","account":"hooli","email":"kim.newhire@hooli.example"}' >"$TMP/kim.ndjson"
"$BIN" import -q --db "$db" "$TMP/kim.ndjson" >/dev/null
"$BIN" unresolved retry --db "$db" >/dev/null 2>&1 || bad zoom "unresolved retry exit $?"
[ "$(att hooli-kim)" = "1 2026-03-12T09:20:00Z data_manager_accelerator 2" ] || bad zoom "kim after retry: '$(att hooli-kim)'"
[ "$("$BIN" unresolved list --db "$db" --json | jq length)" = 0 ] || bad zoom "the queue is not empty after retry"

# --dry-run and --strict: nothing written.
db=$(fresh_db dry)
"$BIN" import -q --db "$db" --dry-run --map maps/salesforce-arr.json "$D/salesforce_arr_report.csv" >"$TMP/out" 2>&1 ||
  bad dry-run "exit $?"
grep -q -- '--dry-run: nothing was written' "$TMP/out" || bad dry-run "no note"
[ "$(q dry "select count(*) from entities where kind = 'arr'")" = 0 ] || bad dry-run "records were written"
set +e
"$BIN" import -q --db "$db" --strict --map maps/salesforce-renewals.json tests/data/maps/bad/01_amount_not_a_number.csv >"$TMP/out" 2>/dev/null
rc=$?
set -e
[ "$rc" = 1 ] || bad strict "exit $rc, want 1"
[ "$(q dry "select count(*) from entities where kind = 'renewal'")" = 0 ] || bad strict "records were written"

# ---- 2. the mapping bad-input catalog ---------------------------------------------------------
n=0
for exp in tests/data/maps/bad/*.expected; do
  name=$(basename "$exp" .expected)
  input=tests/data/maps/bad/$name.csv
  n=$((n + 1))
  db=$(fresh_db "bad-$name")
  args=(-q --map "maps/$(sed -n 's/^# map: //p' "$exp")")
  for s in $(sed -n 's/^# set: //p' "$exp"); do args+=(--set "$s"); done
  grep -E '^[0-9]' "$exp" | sed "s|^|$input:|" >"$TMP/want"
  accepted=$(sed -n 's/^accepted://p' "$exp" | tr ' ' '\n' | awk -F= 'NF==2 {s+=$2} END {print s+0}')
  skipped=$(sed -n 's/^skipped: //p' "$exp")
  set +e
  "$BIN" import --db "$db" "${args[@]}" "$input" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  set -e
  [ "$rc" = 1 ] || bad "$name" "exit $rc, want 1"
  diff "$TMP/err" "$TMP/want" >"$TMP/diff" || bad "$name" "stderr differs:
$(cat "$TMP/diff")"
  read -r acc dup rej < <(total_of "$TMP/out")
  [ "$acc" = "$accepted" ] || bad "$name" "accepted $acc, want $accepted"
  [ "$rej" = "$(grep -cE '^[0-9]' "$exp")" ] || bad "$name" "rejected $rej"
  stored=$(q "bad-$name" "select count(*) from entities where kind not in ('account', 'learner')")
  [ "$stored" = "$accepted" ] || bad "$name" "$stored records stored, want the $accepted good rows"
  if [ -n "$skipped" ]; then grep -q "^$skipped row(s) skipped" "$TMP/out" || bad "$name" "skipped count: $(cat "$TMP/out")"; fi
done
[ "$n" -ge 8 ] || bad catalog "only $n cases"

# ---- 3. a map that cannot be used -------------------------------------------------------------
cat >"$TMP/broken.json" <<'EOF'
{"kind": "renewal", "colour": "blue",
 "fields": {"account": {"column": "Account ID", "identity": "Sales Force"},
            "date": {"column": "Close Date", "format": "MM/DD/YYYY"},
            "outcome": {"column": "Stage", "values": {"Closed Won": "won"}},
            "amount": "Amount"},
 "skip": [{"column": "Stage"}]}
EOF
db=$(fresh_db broken)
set +e
"$BIN" import -q --db "$db" --map "$TMP/broken.json" --set cohort=x "$D/salesforce_renewals_report.csv" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" = 2 ] || bad bad-map "exit $rc, want 2"
for want in "$TMP/broken.json: /colour: unknown key" \
            "$TMP/broken.json: /fields/account/identity: must be an alias source" \
            "$TMP/broken.json: /fields/date/format: must be \"iso\" or a strptime pattern" \
            "$TMP/broken.json: /fields/outcome/values/Closed Won: \"won\" is not a value of outcome" \
            "$TMP/broken.json: /fields/amount: renewal records have no field \"amount\"" \
            "$TMP/broken.json: /skip/0: needs exactly one of" \
            "--set cohort=x: renewal records have no field \"cohort\""; do
  grep -qF -- "$want" "$TMP/err" || bad bad-map "missing: $want
$(cat "$TMP/err")"
done
[ "$(q broken "select count(*) from entities where kind = 'renewal'")" = 0 ] || bad bad-map "records were written"
echo '{"kind": "arr", "fields": [' >"$TMP/notjson.json"
set +e
"$BIN" import -q --db "$db" --map "$TMP/notjson.json" "$D/salesforce_arr_report.csv" >/dev/null 2>"$TMP/err"
rc=$?
set -e
[ "$rc" = 2 ] || bad bad-map "invalid JSON exit $rc, want 2"
grep -qF "$TMP/notjson.json: not valid JSON" "$TMP/err" || bad bad-map "invalid JSON message: $(cat "$TMP/err")"

[ "$fail" = 0 ] && echo "import --map: shipped maps and $n catalog cases OK"
exit "$fail"
