# Shared by tests/e2e/api_*.test.sh: a real `uplift serve` on 127.0.0.1 with a temp SQLite
# database, API keys made with the CLI, and cleanup by PID on EXIT. Source it, then call
# api_start. Exports API_URL, DB_URL, KEY_ADMIN, KEY_LMS, KEY_ANALYST, KEY_INGEST, KEY_REVOKED, SERVER_LOG.
set -euo pipefail
: "${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export UPLIFT_SOURCE_DIR=${UPLIFT_SOURCE_DIR:-$(cd "$E2E_DIR/../.." && pwd)}
export UPLIFT_CONFIG_DIR=${UPLIFT_CONFIG_DIR:-$UPLIFT_SOURCE_DIR}
export UPLIFT_BIN
API_TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-api-e2e.XXXXXX")
API_PID=""

api_cleanup() {
  if [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null; then
    kill -TERM "$API_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$API_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$API_PID" 2>/dev/null || true
  fi
  [ "${KEEP_E2E_TMP:-}" = 1 ] || rm -rf "$API_TMP"
}
trap api_cleanup EXIT

need_node_modules() {
  if [ ! -d "$E2E_DIR/node_modules/ajv" ]; then
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# api_start [extra serve args...]: starts the server on a port it picks (--port 0), waits until ready.
api_start() {
  export DB_URL="sqlite:$API_TMP/uplift.db"
  export SERVER_LOG="$API_TMP/server.log"
  export KEY_ADMIN KEY_LMS KEY_ANALYST KEY_INGEST KEY_REVOKED
  KEY_ADMIN=$("$UPLIFT_BIN" keys create --db "$DB_URL" --scope admin --name e2e-admin --quiet)
  KEY_LMS=$("$UPLIFT_BIN" keys create --db "$DB_URL" --scope lms --name e2e-lms --quiet)
  KEY_ANALYST=$("$UPLIFT_BIN" keys create --db "$DB_URL" --scope analyst --name e2e-analyst --quiet)
  KEY_INGEST=$("$UPLIFT_BIN" keys create --db "$DB_URL" --scope ingest --name e2e-ingest --quiet)
  KEY_REVOKED=$("$UPLIFT_BIN" keys create --db "$DB_URL" --scope admin --name e2e-revoked --quiet)
  "$UPLIFT_BIN" keys revoke --db "$DB_URL" e2e-revoked >/dev/null
  api_serve "$@"
}

# api_serve [extra serve args...]: (re)starts the server over the same database and keys (after
# api_stop this is a restart), waits until ready, exports API_URL.
api_serve() {
  "$UPLIFT_BIN" serve --db "$DB_URL" --host 127.0.0.1 --port 0 --threads 8 "$@" 2>"$SERVER_LOG" &
  API_PID=$!
  export API_PID
  local port=""
  for _ in $(seq 1 300); do
    port=$(grep -o '"msg":"listening"[^}]*"port":[0-9]*' "$SERVER_LOG" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
    [ -n "$port" ] && break
    kill -0 "$API_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$SERVER_LOG" >&2; return 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "server did not report its port" >&2; cat "$SERVER_LOG" >&2; return 1; }
  export API_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -fsS "$API_URL/readyz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$API_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$SERVER_LOG" >&2; return 1; }
    sleep 0.1
  done
  echo "server not ready" >&2
  tail -20 "$SERVER_LOG" >&2
  return 1
}

# api_stop: SIGTERM and wait; fails if the server does not exit 0 within 10 s.
api_stop() {
  kill -TERM "$API_PID"
  local rc=0
  for _ in $(seq 1 100); do kill -0 "$API_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$API_PID" 2>/dev/null; then echo "server did not stop on SIGTERM" >&2; return 1; fi
  wait "$API_PID" || rc=$?
  API_PID=""
  [ "$rc" -eq 0 ] || { echo "server exited $rc after SIGTERM" >&2; return 1; }
}

# run_node_tests FILE...: node's built-in test runner over the given test files.
run_node_tests() {
  (cd "$E2E_DIR" && node --test --test-reporter=spec "$@")
}
