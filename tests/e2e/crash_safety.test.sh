#!/usr/bin/env bash
# Crash safety (issue 10): kill -9 `uplift serve` 5 times at random moments during batched ingest
# from 4 concurrent clients (so kills land while groups of their batches are being committed).
# Afterwards every acknowledged event is stored exactly once, and the milestone state the server
# built incrementally equals a full rebuild. Runs on SQLite, and on MariaDB when
# build/mariadb/env (tests/mariadb.sh) provides UPLIFT_TEST_MYSQL.
source "$(dirname "$0")/lib/server.sh"

count_stored() {  # count_stored DB_URL -> "stored distinct" for crash-* event ids
  case "$1" in
    sqlite:*) sqlite3 "${1#sqlite:}" "select count(*) || ' ' || count(distinct id) from events where id like 'crash-%'" ;;
    mysql://*) local rest creds hostpart; rest=${1#mysql://} creds=${rest%%@*} hostpart=${rest#*@}
      local user=${creds%%:*} pass=${creds#*:} hp=${hostpart%%/*} db=${hostpart#*/}
      mariadb --no-defaults -N -u"$user" -p"$pass" -h"${hp%%:*}" -P"${hp##*:}" "$db" \
        -e "select concat(count(*), ' ', count(distinct id)) from events where id like 'crash-%'" ;;
  esac
}

run_on() {
  local db=$1 label=$2
  echo "== crash safety on $label"
  local port; port=$(free_port)
  local ingest admin
  ingest=$(make_key "$db" ingest crash-ingest)
  admin=$(make_key "$db" admin crash-admin)
  start_server "$db" "$port"
  wait_ready "$port"
  local ack="$E2E_TMP/acked-$label.txt"; : >"$ack"
  local batches=400  # 200 events each: long enough that every kill lands during ingest
  node "$UPLIFT_SOURCE_DIR/tests/e2e/crash/client.mjs" "$port" "$ingest" "$ack" "$batches" 300 4 &
  local client=$!; E2E_PIDS+=("$client")
  for i in 1 2 3 4 5; do
    sleep "0.$((RANDOM % 9 + 1))"; sleep $((RANDOM % 2))
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    echo "   killed server ($i/5) after $(wc -l <"$ack") acknowledged events"
    start_server "$db" "$port"
  done
  wait "$client"
  local acked; acked=$(sort -u "$ack" | wc -l)
  read -r stored distinct < <(count_stored "$db")
  echo "   acknowledged $acked, stored $stored, distinct $distinct"
  [ "$stored" = "$distinct" ] || { echo "FAIL: duplicate event ids stored" >&2; exit 1; }
  [ "$acked" -le "$stored" ] || { echo "FAIL: acknowledged events missing from the store" >&2; exit 1; }
  [ "$acked" = $((batches * 200)) ] || { echo "FAIL: client acknowledged $acked of $((batches * 200))" >&2; exit 1; }
  # State built incrementally by the live server vs a full rebuild. The last restart may have
  # come after the client's last batch, and /healthz answers while the data is still loading
  # (reads get 503 + Retry-After until then): wait for /readyz before comparing.
  wait_ready "$port"
  local a
  for a in $(seq 0 11); do
    curl -fsS -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/accounts/crash-a$a" >"$E2E_TMP/live-$a.json"
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  "$UPLIFT_BIN" rebuild --db "$db" >/dev/null
  start_server "$db" "$port"
  wait_ready "$port"
  for a in $(seq 0 11); do
    curl -fsS -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/accounts/crash-a$a" >"$E2E_TMP/rebuilt-$a.json"
    if ! cmp -s <(jq -S . "$E2E_TMP/live-$a.json") <(jq -S . "$E2E_TMP/rebuilt-$a.json"); then
      echo "FAIL: account crash-a$a differs between live state and rebuild" >&2
      diff <(jq -S . "$E2E_TMP/live-$a.json") <(jq -S . "$E2E_TMP/rebuilt-$a.json") | head -20 >&2
      exit 1
    fi
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  echo "   OK: every acknowledged event stored once; live state == rebuild"
}

run_on "sqlite:$E2E_TMP/crash.db" sqlite
envfile="$UPLIFT_SOURCE_DIR/build/mariadb/env"
if [ -f "$envfile" ]; then
  source "$envfile"
  my_base=$UPLIFT_TEST_MYSQL my_rest=${UPLIFT_TEST_MYSQL#mysql://}
  my_creds=${my_rest%%@*} my_hostpart=${my_rest#*@}; my_hp=${my_hostpart%%/*}
  # Our own database on the shared test server, dropped at exit.
  trap 'mariadb --no-defaults -u"${my_creds%%:*}" -p"${my_creds#*:}" -h"${my_hp%%:*}" -P"${my_hp##*:}" \
    -e "DROP DATABASE IF EXISTS uplift_crash_$$" >/dev/null 2>&1 || true; e2e_cleanup' EXIT
  run_on "${my_base%/*}/uplift_crash_$$" mariadb
else
  echo "   (MariaDB not running: the MySQL half is skipped; ./run test starts it)"
fi
