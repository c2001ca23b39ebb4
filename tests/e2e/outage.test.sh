#!/usr/bin/env bash
# Database outage (issue 6): `uplift serve` on a PRIVATE MariaDB (own datadir under the build dir,
# own port; started and stopped by PID through tests/mariadb.sh) keeps serving while the database
# is stopped for 10 s under a bounded write load:
#  * reads answer 200 from memory with `Uplift-Stale: true`; /readyz says "stale";
#  * writes get 503 application/problem+json with Retry-After; nothing is half-written (every
#    50-event batch is stored completely or not at all);
#  * when MariaDB is back, writes succeed again without restarting uplift, and every acknowledged
#    event is stored exactly once; the state equals a fresh load.
# The password comes from UPLIFT_DB_PASSWORD (not the URL) and must never show in the process list
# or any log. Skipped when mariadb-server is not installed.
source "$(dirname "$0")/lib/server.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
  echo "SKIPPED: mariadb-server is not installed"; exit 0
fi

BUILD=${UPLIFT_BUILD_DIR:-$UPLIFT_SOURCE_DIR/build}
export UPLIFT_MARIADB_DIR="$BUILD/outage-mariadb"
export UPLIFT_TEST_MYSQL_PORT; UPLIFT_TEST_MYSQL_PORT=$(free_port)
MARIADB="$UPLIFT_SOURCE_DIR/tests/mariadb.sh"
root_sql() { mariadb --no-defaults -N -uroot --socket="$UPLIFT_MARIADB_DIR/mysqld.sock" "$@"; }
stop_mariadb() { "$MARIADB" stop >/dev/null 2>&1 || true; }
trap 'stop_mariadb; e2e_cleanup' EXIT

"$MARIADB" start >"$E2E_TMP/mariadb.log" 2>&1 || { cat "$E2E_TMP/mariadb.log"; fail "private MariaDB did not start"; }
[ -f "$UPLIFT_MARIADB_DIR/env" ] || { cat "$E2E_TMP/mariadb.log"; fail "private MariaDB did not start"; }
# A fresh secret per run, set over stdin (never on a command line), and a fresh database.
SECRET="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf "ALTER USER 'uplift'@'127.0.0.1' IDENTIFIED BY '%s';\nDROP DATABASE IF EXISTS uplift_outage;\n" "$SECRET" | root_sql
export UPLIFT_DB_PASSWORD=$SECRET
DB="mysql://uplift@127.0.0.1:$UPLIFT_TEST_MYSQL_PORT/uplift_outage"

# The environment variable is what authenticates: a wrong one is refused (and not echoed back).
if UPLIFT_DB_PASSWORD="wrong-$SECRET" "$UPLIFT_BIN" keys list --db "$DB" >"$E2E_TMP/wrongpw.log" 2>&1; then
  fail "uplift connected with a wrong UPLIFT_DB_PASSWORD"
fi
grep -q "Access denied\|permission\|denied" "$E2E_TMP/wrongpw.log" || fail "wrong password: unclear error: $(cat "$E2E_TMP/wrongpw.log")"
ingest=$(make_key "$DB" ingest outage-ingest)
reader=$(make_key "$DB" analyst outage-read)
port=$(free_port)
start_server "$DB" "$port"; pid=$SERVER_PID
wait_ready "$port"

check_secret_hidden() {  # the password is in no process's command line and in no log
  # (bash pattern matching and grep -f: the secret is never itself an argument of a process)
  local procs; procs=$(ps -eo args)
  [[ "$procs" == *"serve --db $DB"* ]] || fail "ps does not show full command lines; the check would prove nothing"
  [[ "$procs" != *"$SECRET"* ]] || fail "the database password shows in the process list"
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" != *"$SECRET"* ]] || fail "the password is on uplift's command line"
  if cat "$E2E_TMP"/*.log "$E2E_TMP"/*.json 2>/dev/null | grep -F -q -f <(printf '%s\n' "$SECRET"); then
    fail "the password shows in a log"
  fi
}
check_secret_hidden

acks="$E2E_TMP/acked.txt" stop="$E2E_TMP/stop"; : >"$acks"
node "$UPLIFT_SOURCE_DIR/tests/e2e/outage/client.mjs" "$port" "$ingest" "$acks" "$stop" 75 >"$E2E_TMP/client.json" &
client=$!; E2E_PIDS+=("$client")
wait_acks() {  # wait_acks N SECONDS: until at least N ids are acknowledged (bounded)
  local deadline=$((SECONDS + $2))
  until [ "$(wc -l <"$acks")" -ge "$1" ]; do
    [ $SECONDS -lt $deadline ] || fail "only $(wc -l <"$acks") of $1 events acknowledged after $2 s"
    kill -0 "$client" 2>/dev/null || fail "the load client stopped early: $(cat "$E2E_TMP/client.json")"
    sleep 0.1
  done
}
wait_acks 500 30

echo "== stopping MariaDB for 10 s under write load ($(wc -l <"$acks") events acknowledged so far)"
"$MARIADB" stop >>"$E2E_TMP/mariadb.log" 2>&1
down_at=$SECONDS
hdr="$E2E_TMP/h.txt" body="$E2E_TMP/b.json"
# The background loop notices within a tick or two; bounded wait for /readyz to say so.
until [ "$(curl -sS "http://127.0.0.1:$port/readyz" | jq -r .status)" = stale ]; do
  [ $((SECONDS - down_at)) -lt 8 ] || fail "/readyz did not turn stale with the database down"
  sleep 0.1
done
checks=0
while [ $((SECONDS - down_at)) -lt 10 ]; do
  code=$(curl -sS -o "$body" -D "$hdr" -w '%{http_code}' "http://127.0.0.1:$port/readyz")
  [ "$code" = 503 ] && [ "$(jq -r .status "$body")" = stale ] && [ "$(jq -r .stale "$body")" = true ] ||
    fail "/readyz during the outage: $code $(cat "$body")"
  code=$(curl -sS -o "$body" -D "$hdr" -w '%{http_code}' -H "Authorization: Bearer $reader" \
    "http://127.0.0.1:$port/v1/stages")
  [ "$code" = 200 ] || fail "GET /v1/stages during the outage: $code $(cat "$body")"
  grep -qi '^uplift-stale: true' "$hdr" || fail "GET /v1/stages during the outage lacks Uplift-Stale: true"
  code=$(curl -sS -o "$body" -D "$hdr" -w '%{http_code}' -H "Authorization: Bearer $reader" \
    "http://127.0.0.1:$port/v1/accounts/out-a1")
  [ "$code" = 200 ] || fail "GET /v1/accounts/out-a1 during the outage: $code"
  code=$(curl -sS -o "$body" -D "$hdr" -w '%{http_code}' -H "Authorization: Bearer $ingest" \
    -H 'content-type: application/x-ndjson' --data-binary \
    '{"kind":"event","id":"outage-probe","account":"out-a0","name":"login","ts":"2026-07-01T00:00:00Z","learner":"out-a0-l0"}' \
    "http://127.0.0.1:$port/v1/records")
  [ "$code" = 503 ] || fail "POST /v1/records during the outage: $code $(cat "$body")"
  grep -qi '^content-type: application/problem+json' "$hdr" || fail "the 503 is not problem+json"
  grep -qi '^retry-after: [0-9]' "$hdr" || fail "the 503 has no Retry-After"
  checks=$((checks + 1))
  sleep 0.5
done
echo "   $checks rounds of checks while down: reads 200 + Uplift-Stale, /readyz stale, writes 503 + Retry-After"
kill -0 "$pid" || fail "uplift exited during the outage"

echo "== restarting MariaDB"
acked_before=$(wc -l <"$acks")
"$MARIADB" start >>"$E2E_TMP/mariadb.log" 2>&1 || fail "MariaDB did not come back"
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "uplift did not become ready again after the database returned"
  sleep 0.1
done
wait_acks $((acked_before + 500)) 30
: >"$stop"; wait "$client" || fail "load client: $(cat "$E2E_TMP/client.json")"
[ "$(cat /proc/$pid/stat 2>/dev/null | cut -d' ' -f1)" = "$pid" ] || fail "uplift was restarted or died"
jq -c . "$E2E_TMP/client.json"
jq -e '.unavailable > 0' "$E2E_TMP/client.json" >/dev/null || fail "the load never saw a 503 during the outage"
jq -e '.malformed_503 == [] and .other == [] and .connection_errors == 0' "$E2E_TMP/client.json" >/dev/null ||
  fail "unexpected responses: $(cat "$E2E_TMP/client.json")"
check_secret_hidden

echo "== every acknowledged event stored once, every batch whole"
sort -u "$acks" >"$E2E_TMP/acked.sorted"
root_sql uplift_outage -e "select id from events where id like 'out-%'" | sort >"$E2E_TMP/stored.sorted"
acked=$(wc -l <"$E2E_TMP/acked.sorted")
missing=$(comm -23 "$E2E_TMP/acked.sorted" "$E2E_TMP/stored.sorted" | wc -l)
[ "$missing" = 0 ] || fail "$missing acknowledged events are missing from the store"
[ "$(uniq -d "$E2E_TMP/stored.sorted" | wc -l)" = 0 ] || fail "an event id is stored twice"
partial=$(root_sql uplift_outage -e "select substring_index(id, '-', 2) b, count(*) n from events
  where id like 'out-%' group by b having n <> 50" | wc -l)
[ "$partial" = 0 ] || fail "$partial batches are half-written"
[ "$(root_sql uplift_outage -e "select count(*) from events where id = 'outage-probe'")" = 0 ] ||
  fail "a write refused with 503 was stored"
echo "   acknowledged $acked, all stored once; $(wc -l <"$E2E_TMP/stored.sorted") stored"

# The state the server kept across the outage equals a fresh load of the same database.
last=$(root_sql uplift_outage -e "select v from meta where k = 'seq'")
deadline=$((SECONDS + 15))
until [ "$(curl -sS "http://127.0.0.1:$port/readyz" | jq -r .last_sequence)" -ge "$last" ]; do
  [ $SECONDS -lt $deadline ] || fail "uplift did not catch up to sequence $last"
  sleep 0.05
done
port2=$(free_port); start_server "$DB" "$port2"; wait_ready "$port2"
for path in "/v1/stages?audience=all" "/v1/accounts?per_page=500&audience=all"; do
  diff <(curl -fsS -H "Authorization: Bearer $reader" "http://127.0.0.1:$port$path" | jq -S .) \
       <(curl -fsS -H "Authorization: Bearer $reader" "http://127.0.0.1:$port2$path" | jq -S .) >/dev/null ||
    fail "$path after the outage differs from a fresh load"
done
check_secret_hidden
echo "OK: served through a 10 s outage, recovered without restart, nothing lost or half-written"
