# Shared helpers for e2e scripts: start/stop `uplift serve` on a free 127.0.0.1 port, keys.
# Source it; requires UPLIFT_BIN. Every process started is killed by PID on EXIT.
set -euo pipefail
: "${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}"
UPLIFT_SOURCE_DIR=${UPLIFT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
export UPLIFT_CONFIG_DIR=${UPLIFT_CONFIG_DIR:-$UPLIFT_SOURCE_DIR}
E2E_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-e2e.XXXXXX")
e2e_cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  [ "${KEEP_E2E_TMP:-}" = 1 ] || rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_server DB_URL PORT [extra args...] -> sets SERVER_PID; waits for /healthz.
start_server() {
  local db=$1 port=$2; shift 2
  "$UPLIFT_BIN" serve --db "$db" --host 127.0.0.1 --port "$port" "$@" >>"$E2E_TMP/server-$port.log" 2>&1 &
  SERVER_PID=$!
  E2E_PIDS+=("$SERVER_PID")
  for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited; log:" >&2; tail -30 "$E2E_TMP/server-$port.log" >&2; return 1; }
    sleep 0.1
  done
  echo "server did not become healthy on port $port" >&2
  return 1
}

# wait_ready PORT [SECONDS]: /healthz answers as soon as the socket listens, but the data is still
# loading (reads and writes get 503 + Retry-After) until /readyz says 200. Bounded (default 60 s).
wait_ready() {
  local port=$1 limit=${2:-60} deadline
  deadline=$((SECONDS + limit))
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    [ $SECONDS -lt "$deadline" ] || { echo "server on port $port not ready after ${limit}s: $(curl -sS "http://127.0.0.1:$port/readyz" 2>&1)" >&2; return 1; }
    sleep 0.1
  done
}

# wait_sequence PORT SEQ SECONDS: bounded wait until the server on PORT has applied every record up
# to sequence SEQ (its /readyz last_sequence); returns 1 at the bound.
wait_sequence() {
  local deadline=$((SECONDS + $3))
  until [ "$(curl -sS "http://127.0.0.1:$1/readyz" | jq -r '.last_sequence // 0')" -ge "$2" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

make_key() {  # make_key DB_URL SCOPE NAME -> prints the key
  "$UPLIFT_BIN" keys create --db "$1" --scope "$2" --name "$3" --quiet
}
