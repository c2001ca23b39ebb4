#!/usr/bin/env bash
# uplift on a 3-node MariaDB Galera cluster against the same load on one MariaDB server.
# Three `uplift serve` processes take W concurrent writers (tests/e2e/galera/client.mjs write:
# single events and batches, shared and distinct accounts, ids repeated across servers) while a
# reader measures GET /v1/accounts/{id} latency on them. The servers write through:
#   single   one MariaDB server (the reference)
#   1 node   all three through node 1 of the cluster
#   2 nodes  through nodes 1, 2, 1
#   3 nodes  each through its own node
# Reported: ingest events/s (ratio to the single server), read p99, and conflict retries per
# 1,000 write transactions (uplift_store_conflict_retries over the requests). Then failover: one
# server on mysql://n1,n2,n3 writes an event every 10 ms while node 1 is killed (kill -9); the
# longest gap between two acknowledged writes is the failover time.
#   bench/galera/run.sh [--scale small|full]     small = 6,000 events a configuration, full = 30,000
# Starts its own MariaDB and cluster (tests/mariadb.sh, tests/galera.sh on bench ports and
# directories) and stops them on exit. Writes bench/results/galera.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale galera "$@"
case "$scale" in small) N=6000 ;; full) N=30000 ;; *) echo "--scale must be small or full" >&2; exit 2 ;; esac
UPLIFT=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$UPLIFT" ] || { echo "bench/galera: $UPLIFT not built (./run build)" >&2; exit 2; }
[ -f /usr/lib/galera/libgalera_smm.so ] || { echo "bench/galera: galera-4 is not installed" >&2; exit 2; }
CLIENT=$ROOT/tests/e2e/galera/client.mjs
export UPLIFT_MARIADB_DIR=$ROOT/build/bench-mariadb UPLIFT_TEST_MYSQL_PORT=${BENCH_MYSQL_PORT:-33327}
export UPLIFT_GALERA_DIR=$ROOT/build/bench-galera UPLIFT_GALERA_BASE_PORT=${BENCH_GALERA_PORT:-24411}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-bench-galera.XXXXXX")
PIDS=()
stop_servers() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() { stop_servers; tests/galera.sh stop >/dev/null 2>&1 || true; tests/mariadb.sh stop >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT
tests/mariadb.sh start >/dev/null
tests/galera.sh start >/dev/null
single=$(sed -n 's/^UPLIFT_TEST_MYSQL=//p' "$UPLIFT_MARIADB_DIR/env")
cluster=$(sed -n 's/^UPLIFT_TEST_GALERA=//p' "$UPLIFT_GALERA_DIR/env")
rest=${single#mysql://}; single_creds=${rest%%@*}; single_hp=${rest#*@}; single_hp=${single_hp%%/*}
rest=${cluster#mysql://}; creds=${rest%%@*}; hosts=${rest#*@}; hosts=${hosts%%/*}
IFS=, read -r n1 n2 n3 <<<"$hosts"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
serve() {  # serve DB_URL -> sets SERVE_PORT once /readyz is 200 (not in a subshell: PIDS must see the pid)
  local port; port=$(free_port)
  UPLIFT_CONFIG_DIR=$ROOT "$UPLIFT" serve --db "$1" --host 127.0.0.1 --port "$port" >"$TMP/serve-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && { SERVE_PORT=$port; return 0; }; sleep 0.1; done
  echo "bench/galera: server on :$port did not become ready" >&2; tail "$TMP/serve-$port.log" >&2; exit 1
}
drop_db() {  # drop_db NAME on the single server and the cluster (data is kept between runs)
  local hp
  for hp in "$single_hp" "$n1"; do
    mariadb --no-defaults -u"${creds%%:*}" -p"${creds#*:}" -h"${hp%%:*}" -P"${hp##*:}" -e "DROP DATABASE IF EXISTS $1"
  done
}
metric() { curl -fsS "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print int($2)}'; }

run_config() {  # run_config NAME URL1 URL2 URL3 -> $TMP/NAME.json
  local name=$1; shift
  local db=bench_galera_$name key ports=() retries=0 p
  stop_servers
  drop_db "$db"
  key=$("$UPLIFT" keys create --db "${1//DB/$db}" --scope admin --name bench --quiet)
  for u in "$@"; do serve "${u//DB/$db}"; ports+=("$SERVE_PORT"); done
  rm -f "$TMP/stop"
  STOP_FILE=$TMP/stop node "$CLIENT" read "$name" 900 "$key" "${ports[@]}" >"$TMP/$name-read.json" &
  local reader=$!
  PIDS+=("$reader")  # killed on any exit
  node "$CLIENT" write "$name" 600 "$key" "${ports[@]}" --events "$N" --workers 12 --shared 4 >"$TMP/$name-write.json" ||
    { echo "bench/galera: $name: writers failed: $(jq -c '{bad, refused}' "$TMP/$name-write.json" 2>/dev/null || cat "$TMP/$name-write.json")" >&2
      for p in "${ports[@]}"; do tail -5 "$TMP/serve-$p.log" >&2; done; exit 1; }
  touch "$TMP/stop"
  wait "$reader"
  for p in "${ports[@]}"; do retries=$((retries + $(metric "$p" uplift_store_conflict_retries))); done
  echo "{\"retries\": $retries}" >"$TMP/$name-retries.json"
  echo "bench/galera: $name: $(jq -c '{requests, ms, retried_503, p99_ms}' "$TMP/$name-write.json"), conflict retries $retries"
}
S="mysql://$single_creds@$single_hp/DB"
U1="mysql://$creds@$n1,$n2,$n3/DB" U2="mysql://$creds@$n2,$n3,$n1/DB" U3="mysql://$creds@$n3,$n1,$n2/DB"
run_config single "$S" "$S" "$S"
run_config node1 "$U1" "$U1" "$U1"
run_config nodes2 "$U1" "$U2" "$U1"
run_config nodes3 "$U1" "$U2" "$U3"

echo "bench/galera: failover (kill -9 of node 1 under a write every 10 ms)"
stop_servers
drop_db bench_galera_failover
fkey=$("$UPLIFT" keys create --db "${U1//DB/bench_galera_failover}" --scope admin --name bench --quiet)
serve "${U1//DB/bench_galera_failover}"; fport=$SERVE_PORT
node "$CLIENT" failover fo 25 "$fkey" "$fport" >"$TMP/failover.json" &
fo=$!
sleep 5
tests/galera.sh kill 1 >/dev/null
wait "$fo"
stop_servers
tests/galera.sh restart 1 >/dev/null || true
echo "bench/galera: failover: $(cat "$TMP/failover.json")"

python3 - "$TMP" "$scale" "$N" "$(mariadb --version)" <<'PY'
import json, sys
tmp, scale, n, version = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def load(name):
    w = json.load(open(f"{tmp}/{name}-write.json")); r = json.load(open(f"{tmp}/{name}-read.json"))
    retries = json.load(open(f"{tmp}/{name}-retries.json"))["retries"]
    acked = len(w["acked"])
    return {"events": acked, "events_per_s": round(acked / (w["ms"] / 1000)), "write_requests": w["requests"],
            "write_p50_ms": w["p50_ms"], "write_p99_ms": w["p99_ms"], "client_503s": w["retried_503"],
            "read_p50_ms": r["p50_ms"], "read_p99_ms": r["p99_ms"], "reads": r["reads"], "read_errors": r["errors"],
            "conflict_retries": retries, "conflict_retries_per_1000_writes": round(1000 * retries / max(1, w["requests"]), 1)}
configs = {k: load(k) for k in ("single", "node1", "nodes2", "nodes3")}
fo = json.load(open(f"{tmp}/failover.json"))
ref = configs["single"]
comparisons = []
for key, label in (("node1", "1 writing node"), ("nodes2", "2 writing nodes"), ("nodes3", "3 writing nodes")):
    c = configs[key]
    comparisons.append({"metric": f"ingest through 3 servers, {label} of a Galera cluster", "unit": "events/s",
                        "uplift": c["events_per_s"], "reference": ref["events_per_s"],
                        "reference_tool": "the same load on one MariaDB server",
                        "ratio": round(c["events_per_s"] / ref["events_per_s"], 3), "higher_is_better": True,
                        "goal": ">= 0.3x"})
comparisons.append({"metric": "read p99 during the load, 3 writing nodes", "unit": "ms",
                    "uplift": configs["nodes3"]["read_p99_ms"], "reference": ref["read_p99_ms"],
                    "reference_tool": "the same load on one MariaDB server",
                    "ratio": round(configs["nodes3"]["read_p99_ms"] / max(0.01, ref["read_p99_ms"]), 3),
                    "higher_is_better": False, "goal": "<= 3x"})
comparisons.append({"metric": "failover: longest gap between acknowledged writes when node 1 is killed", "unit": "ms",
                    "uplift": fo["longest_gap_ms"], "reference": None, "reference_tool": "Galera's failure detection (evs.suspect_timeout 5 s)",
                    "ratio": None, "higher_is_better": False, "goal": "<= 15000 ms",
                    "met": fo["longest_gap_ms"] <= 15000})
out = {"benchmark": "galera", "scale": scale, "events_per_configuration": n, "server": version,
       "configurations": configs, "failover": fo, "comparisons": comparisons}
json.dump(out, open("bench/results/galera.json", "w"), indent=2)
for k, c in configs.items():
    print(f"bench/galera: {k:7s} {c['events_per_s']:>7,} events/s  read p99 {c['read_p99_ms']} ms  "
          f"conflict retries/1000 writes {c['conflict_retries_per_1000_writes']}  client 503s {c['client_503s']}")
print(f"bench/galera: failover gap {fo['longest_gap_ms']} ms ({fo['failed_attempts']} failed attempts)")
PY
