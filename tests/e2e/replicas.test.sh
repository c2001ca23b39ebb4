#!/usr/bin/env bash
# Replicas (issue 6): two `uplift serve` processes on one MariaDB database converge.
#  1. An event written through A shows in B's milestone state (and B -> A) within the bounded
#     delay: each sample polls the other replica and fails only after REPLICA_BOUND_S seconds
#     (the README documents ~tick interval + one scan; the bound is far above it so a loaded CI
#     machine cannot make the test flaky, while a replica that never tails still fails).
#  2. A burst of 10,000 events split across A and B (4 concurrent writers): once both have applied
#     the store's last sequence, GET /v1/stages, /v1/accounts and every burst account's detail are
#     identical on A, on B, and on a third process C that loaded everything from scratch.
# Needs MariaDB: $UPLIFT_TEST_MYSQL or build/mariadb/env (tests/mariadb.sh start); otherwise SKIPPED.
source "$(dirname "$0")/lib/server.sh"

base=${UPLIFT_TEST_MYSQL:-}
if [ -z "$base" ] && [ -f "$UPLIFT_SOURCE_DIR/build/mariadb/env" ]; then
  base=$(sed -n 's/^UPLIFT_TEST_MYSQL=//p' "$UPLIFT_SOURCE_DIR/build/mariadb/env")
fi
if [ -z "$base" ]; then
  echo "SKIPPED: no MariaDB (set UPLIFT_TEST_MYSQL or run tests/mariadb.sh start)"
  exit 0
fi
REPLICA_BOUND_S=${REPLICA_BOUND_S:-10}
rest=${base#mysql://}; creds=${rest%%@*}; hostpart=${rest#*@}
MY_USER=${creds%%:*} MY_PASS=${creds#*:} hp=${hostpart%%/*}
mysql_cli() { mariadb --no-defaults -N -u"$MY_USER" -p"$MY_PASS" -h"${hp%%:*}" -P"${hp##*:}" "$@"; }
# A database of our own, dropped at the end (the test server is shared with other tests).
MYSQL_DB=uplift_e2e_replicas_$$
DB="mysql://$MY_USER:$MY_PASS@$hp/$MYSQL_DB"
drop_db() { mysql_cli -e "DROP DATABASE IF EXISTS $MYSQL_DB" >/dev/null 2>&1 || true; }
trap 'drop_db; e2e_cleanup' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

ingest=$(make_key "$DB" ingest replicas-ingest)
reader=$(make_key "$DB" analyst replicas-read)
CLIENT="$UPLIFT_SOURCE_DIR/tests/e2e/replicas/client.mjs"

port_a=$(free_port); start_server "$DB" "$port_a"; pid_a=$SERVER_PID
port_b=$(free_port); start_server "$DB" "$port_b"; pid_b=$SERVER_PID
wait_ready "$port_a"; wait_ready "$port_b"

echo "== convergence: 20 single events, alternating A->B and B->A (bound ${REPLICA_BOUND_S}s each)"
node "$CLIENT" probe "$port_a" "$port_b" "$ingest" "$reader" 20 e2e "$REPLICA_BOUND_S" >"$E2E_TMP/probe.json" ||
  fail "an event written through one replica did not reach the other within ${REPLICA_BOUND_S}s"
jq -c '{samples, p50_ms, p99_ms, max_ms}' "$E2E_TMP/probe.json"

echo "== burst: 10,000 events through A and B"
node "$CLIENT" burst "$port_a" "$port_b" "$ingest" 10000 e2e 90 >"$E2E_TMP/burst.json" || fail "burst client failed"
[ "$(jq .acked "$E2E_TMP/burst.json")" = 10000 ] || fail "burst: $(cat "$E2E_TMP/burst.json")"
read -r stored distinct < <(mysql_cli "$MYSQL_DB" -e \
  "select count(*), count(distinct id) from events where id like 'burst-e2e-%'")
[ "$stored" = 10000 ] && [ "$distinct" = 10000 ] || fail "store holds $stored burst events ($distinct distinct), want 10000"
last=$(mysql_cli "$MYSQL_DB" -e "select v from meta where k = 'seq'")

# A third process loads everything from scratch: the reference state.
port_c=$(free_port); start_server "$DB" "$port_c"; wait_ready "$port_c"

# Wait (bounded) until A and B have applied everything up to the store's last sequence; the
# comparison below then runs once — it is not retried until it happens to pass.
for port in "$port_a" "$port_b"; do
  wait_sequence "$port" "$last" "$REPLICA_BOUND_S" ||
    fail "replica on :$port did not reach sequence $last within ${REPLICA_BOUND_S}s"
done

get() { curl -fsS -H "Authorization: Bearer $reader" "http://127.0.0.1:$1$2" | jq -S .; }
compare() {  # compare PATH: identical on A, B and C
  get "$port_a" "$1" >"$E2E_TMP/a.json"; get "$port_b" "$1" >"$E2E_TMP/b.json"; get "$port_c" "$1" >"$E2E_TMP/c.json"
  cmp -s "$E2E_TMP/a.json" "$E2E_TMP/b.json" || { diff "$E2E_TMP/a.json" "$E2E_TMP/b.json" | head -20 >&2; fail "$1 differs between A and B"; }
  cmp -s "$E2E_TMP/a.json" "$E2E_TMP/c.json" || { diff "$E2E_TMP/a.json" "$E2E_TMP/c.json" | head -20 >&2; fail "$1 differs between the replicas and a fresh load"; }
}
compare "/v1/stages?audience=all"  # the burst sends events only: accounts without a record
compare "/v1/accounts?per_page=500&audience=all"
[ "$(jq .total "$E2E_TMP/a.json")" -ge 60 ] || fail "expected at least 60 accounts, got $(jq .total "$E2E_TMP/a.json")"
# The burst must have moved accounts beyond onboarding, or the comparison proves little.
jq -e "[.items[] | select(.stage != \"onboarding\")] | length > 0" "$E2E_TMP/a.json" >/dev/null ||
  fail "no burst account left onboarding; the burst exercised nothing"
for a in $(seq 0 39); do compare "/v1/accounts/burst-e2e-a$a"; done
echo "OK: convergence within bound; after 10,000 events A, B and a fresh load agree on stages and all 40 burst accounts"
