#!/usr/bin/env bash
# MySQL/MariaDB bulk import: N events through `uplift import` (validation, dedupe, sequence
# numbers, Store::write batches of 20k rows over prepared multi-row INSERTs) versus MariaDB's own
# LOAD DATA LOCAL INFILE of the same rows into a table with the same columns and indexes
# (seq primary key, unique id). Same server, same run. Goal: uplift >= 0.5x LOAD DATA.
# Then replica convergence: two `uplift serve` processes on one database; an event is written
# through one and the other is polled (5 ms) until the milestone shows (tests/e2e/replicas/
# client.mjs probe); p50/p99 of that delay, next to the replicas' poll interval (200 ms).
#   bench/mysql/run.sh [--scale small|full]     small = 200k events, full = 1M
# Starts its own MariaDB (tests/mariadb.sh on a bench port and directory) and stops it on exit.
# Writes bench/results/mysql.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale mysql "$@"
case "$scale" in small) N=${BENCH_MYSQL_ROWS:-200000} SAMPLES=100 ;; full) N=${BENCH_MYSQL_ROWS:-1000000} SAMPLES=400 ;;
  *) echo "--scale must be small or full" >&2; exit 2 ;; esac
UPLIFT=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$UPLIFT" ] || { echo "bench/mysql: $UPLIFT not built (./run build)" >&2; exit 2; }
command -v mariadb >/dev/null || { echo "bench/mysql: mariadb-client/server not installed" >&2; exit 2; }

export UPLIFT_MARIADB_DIR=$ROOT/build/bench-mariadb UPLIFT_TEST_MYSQL_PORT=${BENCH_MYSQL_PORT:-33327}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-bench-mysql.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  tests/mariadb.sh stop >/dev/null 2>&1 || true; rm -rf "$TMP"
}
trap cleanup EXIT
tests/mariadb.sh start >/dev/null
BASE=$(sed -n 's/^UPLIFT_TEST_MYSQL=//p' "$UPLIFT_MARIADB_DIR/env")
rest=${BASE#mysql://}; creds=${rest%%@*}; hostpart=${rest#*@}
USER_=${creds%%:*}; PASS=${creds#*:}; hp=${hostpart%%/*}; HOST=${hp%%:*}; PORT=${hp##*:}
sql() { mariadb --no-defaults --local-infile=1 -N -u"$USER_" -p"$PASS" -h"$HOST" -P"$PORT" "$@"; }
now() { date +%s.%N; }

echo "bench/mysql: generating $N events"
python3 bench/mysql/gen_events.py "$N" "$TMP/events.ndjson" "$TMP/events.tsv"

# Reference: LOAD DATA into an equivalent table (same columns, seq primary key, unique id).
sql -e "DROP DATABASE IF EXISTS bench_ref; CREATE DATABASE bench_ref CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
  CREATE TABLE bench_ref.events (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, id VARBINARY(768) NOT NULL,
    account VARBINARY(768) NOT NULL, name VARBINARY(768) NOT NULL, ts BIGINT NOT NULL,
    learner VARBINARY(768) NOT NULL, qty DOUBLE NOT NULL, props MEDIUMTEXT NOT NULL, UNIQUE KEY (id))
    ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;"
echo "bench/mysql: LOAD DATA LOCAL INFILE"
t0=$(now)
sql bench_ref -e "LOAD DATA LOCAL INFILE '$TMP/events.tsv' IGNORE INTO TABLE events
  FIELDS TERMINATED BY '\t' LINES TERMINATED BY '\n' (id, account, name, ts, learner, qty, props)"
t1=$(now)
ref_rows=$(sql bench_ref -e "select count(*) from events")

echo "bench/mysql: uplift import"
sql -e "DROP DATABASE IF EXISTS bench_uplift"
t2=$(now)
"$UPLIFT" import --quiet --db "mysql://$USER_:$PASS@$HOST:$PORT/bench_uplift" "$TMP/events.ndjson" >"$TMP/import.out"
t3=$(now)
up_rows=$(sql bench_uplift -e "select count(*) from events")
cat "$TMP/import.out"

# Re-import: every row is a duplicate (the dedupe path), reported separately.
t4=$(now)
"$UPLIFT" import --quiet --db "mysql://$USER_:$PASS@$HOST:$PORT/bench_uplift" "$TMP/events.ndjson" >/dev/null
t5=$(now)

echo "bench/mysql: replica convergence ($SAMPLES samples)"
REP_DB="mysql://$USER_:$PASS@$HOST:$PORT/bench_replicas"
sql -e "DROP DATABASE IF EXISTS bench_replicas"
ingest=$("$UPLIFT" keys create --db "$REP_DB" --scope ingest --name bench-ingest --quiet)
reader=$("$UPLIFT" keys create --db "$REP_DB" --scope analyst --name bench-read --quiet)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() {  # serve PORT: starts a replica, waits (bounded) until /readyz answers 200
  UPLIFT_CONFIG_DIR=$ROOT "$UPLIFT" serve --db "$REP_DB" --host 127.0.0.1 --port "$1" >"$TMP/serve-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench/mysql: replica on :$1 did not become ready" >&2; exit 1
}
port_a=$(free_port); serve "$port_a"; port_b=$(free_port); serve "$port_b"
node tests/e2e/replicas/client.mjs probe "$port_a" "$port_b" "$ingest" "$reader" "$SAMPLES" bench 10 >"$TMP/probe.json"
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
PIDS=()

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$ref_rows" "$up_rows" "$scale" "$(mariadb --version)" "$TMP/probe.json" <<'PY'
import json, sys
n = int(sys.argv[1]); t0, t1, t2, t3, t4, t5 = map(float, sys.argv[2:8])
ref_rows, up_rows, scale, version = int(sys.argv[8]), int(sys.argv[9]), sys.argv[10], sys.argv[11]
probe = json.load(open(sys.argv[12]))
if ref_rows != n or up_rows != n:
    sys.exit(f"bench/mysql: row counts differ: LOAD DATA {ref_rows}, uplift {up_rows}, expected {n}")
ref, up, re = n / (t1 - t0), n / (t3 - t2), n / (t5 - t4)
out = {"benchmark": "mysql", "scale": scale, "rows": n, "server": version,
       "comparisons": [{"metric": "bulk import into MariaDB", "unit": "rows/s", "uplift": round(up),
                        "reference": round(ref), "reference_tool": "LOAD DATA LOCAL INFILE",
                        "ratio": round(up / ref, 3), "higher_is_better": True, "goal": ">= 0.5x"}],
       "seconds": {"load_data": round(t1 - t0, 3), "uplift_import": round(t3 - t2, 3),
                   "uplift_reimport_all_duplicates": round(t5 - t4, 3)},
       "uplift_reimport_rows_per_s": round(re),
       "replica_convergence": {"samples": probe["samples"], "p50_ms": probe["p50_ms"], "p99_ms": probe["p99_ms"],
                               "max_ms": probe["max_ms"], "poll_interval_ms": 200,
                               "method": "write one event through replica A (or B), poll the other's "
                                         "/v1/accounts/{id} every 5 ms until the milestone shows"}}
json.dump(out, open("bench/results/mysql.json", "w"), indent=2)
print(f"bench/mysql: {n} rows  uplift {up:,.0f} rows/s  LOAD DATA {ref:,.0f} rows/s  ratio {up/ref:.2f}x"
      f"  (re-import, all duplicates: {re:,.0f} rows/s)")
print(f"bench/mysql: replica convergence over {probe['samples']} samples: p50 {probe['p50_ms']} ms, "
      f"p99 {probe['p99_ms']} ms, max {probe['max_ms']} ms (poll interval 200 ms)")
PY
