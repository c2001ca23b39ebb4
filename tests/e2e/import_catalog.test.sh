#!/usr/bin/env bash
# The real `uplift import` binary over the bad-input catalog (tests/data/bad): the exact
# FILE:LINE: field: reason lines on stderr, exit codes, --strict writing nothing, a second import
# being all duplicates, and stdin (-) behaving like a file.
set -euo pipefail
BIN=${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}
SRC=${UPLIFT_SOURCE_DIR:?}
CAT=$SRC/tests/data/bad
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL [$1]: $2" >&2; fail=1; }

# The "total" row of the summary: "total  accepted duplicates rejected".
total_of() { awk '$1 == "total" {print $2, $3, $4}' "$1"; }

n=0
for exp in "$CAT"/*.expected; do
  name=$(basename "$exp" .expected)
  input=""
  for ext in ndjson csv; do [ -f "$CAT/$name.$ext" ] && input=$CAT/$name.$ext; done
  if grep -q '^# generate: long_line' "$exp"; then
    len=$(sed -n 's/^# generate: long_line //p' "$exp")
    input=$TMP/$name.ndjson
    {
      echo '{"kind":"event","id":"g1","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z"}'
      printf '{"kind":"event","id":"g2","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z","pad":"'
      head -c "$len" /dev/zero | tr '\0' x
      printf '"}\n'
      echo '{"kind":"event","id":"g3","account":"acme","name":"login","ts":"2026-03-01T12:00:00Z"}'
    } > "$input"
  fi
  [ -n "$input" ] || { bad "$name" "no input file"; continue; }
  n=$((n + 1))
  args=(-q)
  kind=$(sed -n 's/^# kind: //p' "$exp")
  [ -n "$kind" ] && args+=(--kind "$kind")
  db="sqlite:$TMP/$name.db"

  # Expected stderr: rejections then warnings, each prefixed with the file name.
  want=$TMP/$name.want
  { grep -E '^[0-9]' "$exp" | sed "s|^|$input:|" || true
    grep -E '^warning ' "$exp" | sed -e 's/^warning //' -e "s|^|$input:|" -e 's/$/ (warning)/' || true; } > "$want"
  want_rc=0
  grep -qE '^[0-9]' "$exp" && want_rc=1
  accepted=$(sed -n 's/^accepted://p' "$exp" | tr ' ' '\n' | awk -F= 'NF==2 {s+=$2} END {print s+0}')
  dups=$(sed -n 's/^duplicates://p' "$exp" | tr ' ' '\n' | awk -F= 'NF==2 {s+=$2} END {print s+0}')

  # 1. --strict first: rejects write nothing (checked by the plain import that follows).
  set +e
  "$BIN" import --db "$db" "${args[@]}" --strict "$input" > "$TMP/strict.out" 2> "$TMP/strict.err"
  rc=$?
  set -e
  [ "$rc" = "$want_rc" ] || bad "$name" "--strict exit $rc, want $want_rc"
  if [ "$want_rc" = 1 ]; then
    grep -q -- '--strict: .* nothing was written' "$TMP/strict.out" || bad "$name" "--strict did not say nothing was written"
    diff <(grep -v '^… and' "$TMP/strict.err") <(grep -v '(warning)$' "$want") > /dev/null ||
      bad "$name" "--strict stderr differs: $(diff <(cat "$TMP/strict.err") <(grep -v '(warning)$' "$want") | head -5)"
    # 2. The plain import: exact stderr, exit code, every valid line accepted (nothing was there).
    set +e
    "$BIN" import --db "$db" "${args[@]}" "$input" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    set -e
    [ "$rc" = 1 ] || bad "$name" "exit $rc, want 1"
    diff "$TMP/err" "$want" > "$TMP/diff" || bad "$name" "stderr differs:
$(cat "$TMP/diff")"
    read -r acc dup rej < <(total_of "$TMP/out")
    [ "$acc" = "$accepted" ] || bad "$name" "accepted $acc, want $accepted"
    [ "$dup" = "$dups" ] || bad "$name" "duplicates $dup, want $dups"
  else
    read -r acc dup rej < <(total_of "$TMP/strict.out")
    [ "$acc" = "$accepted" ] || bad "$name" "--strict accepted $acc, want $accepted"
    diff "$TMP/strict.err" "$want" > /dev/null || bad "$name" "stderr differs: $(head -3 "$TMP/strict.err")"
  fi

  # 3. A second import changes nothing: everything valid is a duplicate.
  set +e
  "$BIN" import --db "$db" "${args[@]}" "$input" > "$TMP/out2" 2> /dev/null
  set -e
  read -r acc dup rej < <(total_of "$TMP/out2")
  [ "$acc" = 0 ] || bad "$name" "second import accepted $acc, want 0"
  [ "$dup" = $((accepted + dups)) ] || bad "$name" "second import duplicates $dup, want $((accepted + dups))"
done
[ "$n" -ge 45 ] || bad catalog "only $n cases"

# 4. Standard input: the same messages, named <stdin>, and the same exit code.
case_file=$CAT/22_event_missing_ts.ndjson
set +e
"$BIN" import --db "sqlite:$TMP/stdin.db" -q - < "$case_file" > "$TMP/out" 2> "$TMP/err"
rc=$?
set -e
[ "$rc" = 1 ] || bad stdin "exit $rc, want 1"
[ "$(cat "$TMP/err")" = "<stdin>:3: ts: required field is missing" ] || bad stdin "stderr: $(cat "$TMP/err")"
read -r acc dup rej < <(total_of "$TMP/out")
[ "$acc $rej" = "3 1" ] || bad stdin "accepted/rejected $acc/$rej, want 3/1"
# --strict over stdin (spooled, read twice) on clean input writes everything.
grep -v '"id":"bad"' "$case_file" | "$BIN" import --db "sqlite:$TMP/stdin2.db" -q --strict - > "$TMP/out" 2> "$TMP/err" ||
  bad stdin-strict "exit $?: $(cat "$TMP/err")"
read -r acc dup rej < <(total_of "$TMP/out")
[ "$acc" = 3 ] || bad stdin-strict "accepted $acc, want 3"

# 5. Usage errors exit 2: a missing file, an unknown --kind.
set +e
"$BIN" import --db "sqlite:$TMP/u.db" -q "$TMP/does-not-exist.ndjson" 2> "$TMP/err"; rc=$?
set -e
[ "$rc" = 2 ] || bad usage "missing file exit $rc, want 2"
grep -q "cannot open $TMP/does-not-exist.ndjson" "$TMP/err" || bad usage "message: $(cat "$TMP/err")"
set +e
"$BIN" import --db "sqlite:$TMP/u.db" -q --kind widget "$case_file" 2> /dev/null; rc=$?
set -e
[ "$rc" = 2 ] || bad usage "--kind widget exit $rc, want 2"

[ "$fail" = 0 ] && echo "import catalog: $n cases OK"
exit "$fail"
