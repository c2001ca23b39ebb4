#!/usr/bin/env bash
# uplift on a 3-node MariaDB Galera cluster, writing through every node (issue 21). Needs the
# cluster of tests/galera.sh (UPLIFT_TEST_GALERA, or build/galera/env); otherwise SKIPPED.
#  1. Three processes open a fresh database through three nodes at once: all succeed (migrations
#     are idempotent and retried on conflict; schema_version has a primary key, and the cluster
#     runs with wsrep_mode=REQUIRED_PRIMARY_KEY).
#  2. Two servers, A through node 1 and B through node 2, take concurrent writers on shared and
#     distinct accounts with ids repeated across servers: every acknowledged id is stored exactly
#     once, no 5xx but 503 with Retry-After, and conflicts were retried inside the store.
#  3. A, B and a fresh server C (through node 3) agree on stages and accounts.
#  4. kill -9 of node 1 under load: A fails over to the next node; nothing acknowledged is lost.
#  5. Node 3 cut off from the quorum: a server on it alone says 503 on /readyz and on writes
#     (with Retry-After, never 500); once it rejoins, 200 again.
#  6. Two `uplift import`s through two nodes at once both succeed.
source "$(dirname "$0")/lib/server.sh"
GALERA_SH=$UPLIFT_SOURCE_DIR/tests/galera.sh
envfile=${UPLIFT_GALERA_DIR:-$UPLIFT_SOURCE_DIR/build/galera}/env
if [ -z "${UPLIFT_TEST_GALERA:-}" ] && [ -f "$envfile" ]; then set -a; . "$envfile"; set +a; fi
if [ -z "${UPLIFT_TEST_GALERA:-}" ]; then
  echo "SKIPPED: no Galera cluster (run tests/galera.sh start)"
  exit 0
fi
# A failure shows what the servers logged as errors and warnings, and their 5xx answers: their
# logs go with the temporary directory.
fail() {
  echo "FAIL: $*" >&2
  grep -h -E '"level":"(error|warn)"|"status":5[0-9][0-9]' "$E2E_TMP"/server-*.log 2>/dev/null | tail -40 >&2 || true
  exit 1
}
CLIENT=$UPLIFT_SOURCE_DIR/tests/e2e/galera/client.mjs

# URLs: one database of our own, the node order decides which node a server writes through.
rest=${UPLIFT_TEST_GALERA#mysql://}; creds=${rest%%@*}; hostlist=${rest#*@}; hostlist=${hostlist%%/*}
IFS=, read -r h1 h2 h3 <<<"$hostlist"
MY_USER=${creds%%:*} MY_PASS=${creds#*:}
DBNAME=uplift_e2e_galera_$$
url() { local IFS=,; echo "mysql://$creds@$*/$DBNAME"; }
db_a=$(url "$h1" "$h2" "$h3"); db_b=$(url "$h2" "$h3" "$h1"); db_c=$(url "$h3" "$h1" "$h2")
sql() { local hp=$1; shift; mariadb --no-defaults -N -u"$MY_USER" -p"$MY_PASS" -h"${hp%%:*}" -P"${hp##*:}" "$@"; }
cleanup() {
  UPLIFT_GALERA_TIMEOUT=20 "$GALERA_SH" rejoin 3 >/dev/null 2>&1 || true
  sql "$h2" -e "DROP DATABASE IF EXISTS $DBNAME" >/dev/null 2>&1 || true
  e2e_cleanup
}
trap cleanup EXIT

echo "== 1. three processes open a fresh database through three nodes at once"
pids=()
for n in a b c; do
  var=db_$n
  "$UPLIFT_BIN" keys create --db "${!var}" --scope admin --name "open-$n" --quiet >"$E2E_TMP/key-$n" 2>"$E2E_TMP/open-$n.err" &
  pids+=($!)
done
for i in 0 1 2; do wait "${pids[$i]}" || { cat "$E2E_TMP"/open-*.err >&2; fail "opening the database through node $((i + 1)) failed"; }; done
pk=$(sql "$h1" -e "select count(*) from information_schema.statistics where table_schema='$DBNAME' and table_name='schema_version' and index_name='PRIMARY'")
[ "$pk" = 1 ] || fail "schema_version has no primary key"
ingest=$(make_key "$db_a" ingest galera-ingest)
reader=$(make_key "$db_a" analyst galera-read)

port_a=$(free_port); start_server "$db_a" "$port_a"; pid_a=$SERVER_PID
port_b=$(free_port); start_server "$db_b" "$port_b"
wait_ready "$port_a"; wait_ready "$port_b"

echo "== 2. concurrent writers through node 1 (A) and node 2 (B): shared and distinct accounts, ids repeated"
node "$CLIENT" write w1 120 "$ingest" "$port_a" "$port_b" --events 3000 --workers 8 --shared 3 >"$E2E_TMP/w1.json" ||
  fail "writers: $(jq -c '{bad, refused, retried_503}' "$E2E_TMP/w1.json" 2>/dev/null || cat "$E2E_TMP/w1.json")"
jq -c '{requests, retried_503, p50_ms, p99_ms, ms, acked: (.acked | length)}' "$E2E_TMP/w1.json"
check_stored() {  # check_stored TAG FILE: every acked id once, nothing else of that tag, on every node
  local want got dup
  want=$(jq '.acked | length' "$2")
  for hp in "$h1" "$h2" "$h3"; do
    read -r got dup < <(sql "$hp" "$DBNAME" -e "set session wsrep_sync_wait=1; select count(*), count(*) - count(distinct id) from events where id like 'gal-$1-%'")
    [ "$got" = "$want" ] && [ "$dup" = 0 ] || fail "node $hp holds $got events of $1 ($dup doubled), $want acknowledged"
  done
  jq -r '.acked[]' "$2" | sort >"$E2E_TMP/acked-$1"
  sql "$h3" "$DBNAME" -e "set session wsrep_sync_wait=1; select id from events where id like 'gal-$1-%'" | sort >"$E2E_TMP/stored-$1"
  cmp -s "$E2E_TMP/acked-$1" "$E2E_TMP/stored-$1" || fail "$1: the stored ids are not the acknowledged ones"
}
check_stored w1 "$E2E_TMP/w1.json"
retries=$(( $(curl -fsS "http://127.0.0.1:$port_a/metrics" | awk '/^uplift_store_conflict_retries /{print $2}' | cut -d. -f1) +
            $(curl -fsS "http://127.0.0.1:$port_b/metrics" | awk '/^uplift_store_conflict_retries /{print $2}' | cut -d. -f1) ))
echo "   conflicts retried inside the store: $retries; 503s seen by clients: $(jq .retried_503 "$E2E_TMP/w1.json")"
# No node was lost: a write conflict between nodes is the store's to retry, never the client's.
[ "$(jq .retried_503 "$E2E_TMP/w1.json")" = 0 ] || fail "clients got 503s though every node was up"
[ "$(jq .refused "$E2E_TMP/w1.json")" = 0 ] || fail "requests failed (timeouts, resets) though every node was up"

echo "== 3. A, B and a fresh server through node 3 agree"
last=$(sql "$h1" "$DBNAME" -e "set session wsrep_sync_wait=1; select v from meta where k = 'seq'")
port_c=$(free_port); start_server "$db_c" "$port_c"; wait_ready "$port_c"
for port in "$port_a" "$port_b" "$port_c"; do
  wait_sequence "$port" "$last" 20 || fail "server :$port did not reach sequence $last"
done
get() { curl -fsS -H "Authorization: Bearer $reader" "http://127.0.0.1:$1$2" | jq -S .; }
# The writers renamed the shared accounts concurrently through both servers: the names must be the
# latest stored everywhere (an older version applied over a newer one would show here).
for path in "/v1/stages?audience=all" "/v1/accounts?per_page=500&audience=all" \
            "/v1/accounts/gal-w1-shared-0" "/v1/accounts/gal-w1-shared-1" "/v1/accounts/gal-w1-shared-2"; do
  get "$port_a" "$path" >"$E2E_TMP/a.json"; get "$port_b" "$path" >"$E2E_TMP/b.json"; get "$port_c" "$path" >"$E2E_TMP/c.json"
  cmp -s "$E2E_TMP/a.json" "$E2E_TMP/b.json" || { diff "$E2E_TMP/a.json" "$E2E_TMP/b.json" | head >&2; fail "$path differs between A and B"; }
  cmp -s "$E2E_TMP/a.json" "$E2E_TMP/c.json" || { diff "$E2E_TMP/a.json" "$E2E_TMP/c.json" | head >&2; fail "$path differs from a fresh load"; }
done
latest=$(sql "$h1" "$DBNAME" -e "set session wsrep_sync_wait=1; select json_value(body, '\$.name') from entities where kind = 'account' and rkey = 'gal-w1-shared-2'")
[ "$(jq -r .name "$E2E_TMP/a.json")" = "$latest" ] || fail "gal-w1-shared-2 is '$(jq -r .name "$E2E_TMP/a.json")' on the servers, '$latest' in the store"

echo "== 4. kill -9 of node 1 while A (which writes through it) is under load"
node "$CLIENT" write w2 120 "$ingest" "$port_a" --events 12000 --workers 4 --shared 2 >"$E2E_TMP/w2.json" &
writer=$!
E2E_PIDS+=("$writer")
sleep 1
"$GALERA_SH" kill 1
kill -0 "$writer" 2>/dev/null || fail "the load ended before node 1 was lost: raise --events (the test would prove nothing)"
wait "$writer" || fail "writers during the node loss: $(jq -c '{bad}' "$E2E_TMP/w2.json" 2>/dev/null || cat "$E2E_TMP/w2.json")"
jq -c '{requests, retried_503, refused, acked: (.acked | length)}' "$E2E_TMP/w2.json"
h1_saved=$h1; h1=$h2  # node 1 is down: check on the others
check_stored w2 "$E2E_TMP/w2.json"
h1=$h1_saved
failovers=$(curl -fsS "http://127.0.0.1:$port_a/metrics" | awk '/^uplift_store_failovers /{print $2}' | cut -d. -f1)
[ "${failovers:-0}" -ge 1 ] || fail "A did not move to another node (failovers ${failovers:-0})"
curl -fsS "http://127.0.0.1:$port_a/readyz" >/dev/null || fail "A is not ready after failing over"
"$GALERA_SH" restart 1 >/dev/null

echo "== 5. node 3 cut off from the quorum"
port_d=$(free_port); start_server "mysql://$creds@$h3/$DBNAME" "$port_d"; wait_ready "$port_d"
"$GALERA_SH" isolate 3 >/dev/null
deadline=$((SECONDS + 20))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port_d/readyz")" = 503 ]; do
  [ $SECONDS -lt $deadline ] || fail "/readyz still 200 on a server whose only node left the quorum"
  sleep 0.2
done
code=$(curl -s -o "$E2E_TMP/d.json" -D "$E2E_TMP/d.head" -w '%{http_code}' -H "Authorization: Bearer $ingest" \
  -H 'Content-Type: application/x-ndjson' --data-binary '{"kind":"event","id":"gal-iso-1","account":"gal-iso","name":"user_invited","ts":"2026-06-01T00:00:00Z"}' \
  "http://127.0.0.1:$port_d/v1/records")
[ "$code" = 503 ] || fail "a write to a server on an isolated node answered $code: $(cat "$E2E_TMP/d.json")"
grep -qi '^retry-after:' "$E2E_TMP/d.head" || fail "503 without Retry-After"
"$GALERA_SH" rejoin 3 >/dev/null
deadline=$((SECONDS + 30))
until curl -fsS "http://127.0.0.1:$port_d/readyz" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || fail "/readyz did not come back after node 3 rejoined"
  sleep 0.2
done

echo "== 6. two imports through two nodes at once"
"$UPLIFT_BIN" demo generate --accounts 40 --seed 3 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db_a" "$E2E_TMP"/demo/events.ndjson >"$E2E_TMP/imp-a.log" 2>&1 &
ia=$!
E2E_PIDS+=("$ia")
"$UPLIFT_BIN" import --db "$db_b" "$E2E_TMP"/demo/*.ndjson >"$E2E_TMP/imp-b.log" 2>&1 &
ib=$!
E2E_PIDS+=("$ib")
wait "$ia" || { cat "$E2E_TMP/imp-a.log" >&2; fail "import through node 1 failed"; }
wait "$ib" || { cat "$E2E_TMP/imp-b.log" >&2; fail "import through node 2 failed"; }
echo "OK: writes through every node, no spurious 5xx, nothing lost or doubled, failover and quorum loss handled"
