#!/usr/bin/env bash
# MySQL/MariaDB bulk import: N events through `uplift import` (validation, dedupe, sequence
# numbers, Store::write batches of 20k rows over prepared multi-row INSERTs) versus MariaDB's own
# LOAD DATA LOCAL INFILE of the same rows into a table with the same columns and indexes
# (seq primary key, unique id). Same server, same run. Goal: uplift >= 0.5x LOAD DATA.
#   bench/mysql/run.sh [--scale small|full]     small = 200k events, full = 1M
# Starts its own MariaDB (tests/mariadb.sh on a bench port and directory) and stops it on exit.
# Writes bench/results/mysql.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
scale=small
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    *) echo "usage: bench/mysql/run.sh [--scale small|full]" >&2; exit 2 ;;
  esac
done
case "$scale" in small) N=${BENCH_MYSQL_ROWS:-200000} ;; full) N=${BENCH_MYSQL_ROWS:-1000000} ;;
  *) echo "--scale must be small or full" >&2; exit 2 ;; esac
UPLIFT=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$UPLIFT" ] || { echo "bench/mysql: $UPLIFT not built (./run build)" >&2; exit 2; }
command -v mariadb >/dev/null || { echo "bench/mysql: mariadb-client/server not installed" >&2; exit 2; }

export UPLIFT_MARIADB_DIR=$ROOT/build/bench-mariadb UPLIFT_TEST_MYSQL_PORT=${BENCH_MYSQL_PORT:-33327}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-bench-mysql.XXXXXX")
cleanup() { tests/mariadb.sh stop >/dev/null 2>&1 || true; rm -rf "$TMP"; }
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

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$ref_rows" "$up_rows" "$scale" "$(mariadb --version)" <<'PY'
import json, sys
n = int(sys.argv[1]); t0, t1, t2, t3, t4, t5 = map(float, sys.argv[2:8])
ref_rows, up_rows, scale, version = int(sys.argv[8]), int(sys.argv[9]), sys.argv[10], sys.argv[11]
if ref_rows != n or up_rows != n:
    sys.exit(f"bench/mysql: row counts differ: LOAD DATA {ref_rows}, uplift {up_rows}, expected {n}")
ref, up, re = n / (t1 - t0), n / (t3 - t2), n / (t5 - t4)
out = {"benchmark": "mysql", "scale": scale, "rows": n, "server": version,
       "comparisons": [{"metric": "bulk import into MariaDB", "unit": "rows/s", "uplift": round(up),
                        "reference": round(ref), "reference_tool": "LOAD DATA LOCAL INFILE",
                        "ratio": round(up / ref, 3), "higher_is_better": True, "goal": ">= 0.5x"}],
       "seconds": {"load_data": round(t1 - t0, 3), "uplift_import": round(t3 - t2, 3),
                   "uplift_reimport_all_duplicates": round(t5 - t4, 3)},
       "uplift_reimport_rows_per_s": round(re)}
json.dump(out, open("bench/results/mysql.json", "w"), indent=2)
print(f"bench/mysql: {n} rows  uplift {up:,.0f} rows/s  LOAD DATA {ref:,.0f} rows/s  ratio {up/ref:.2f}x"
      f"  (re-import, all duplicates: {re:,.0f} rows/s)")
PY
