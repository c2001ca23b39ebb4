#!/usr/bin/env bash
# A private MariaDB server for the tests: its own datadir under build/mariadb, its own port on
# 127.0.0.1, started and stopped by PID. Never touches a system service.
#   tests/mariadb.sh start   -> writes build/mariadb/env (UPLIFT_TEST_MYSQL=mysql://...)
#   tests/mariadb.sh stop
# UPLIFT_MARIADB_DIR and UPLIFT_TEST_MYSQL_PORT override the directory and port, so a benchmark
# or a second checkout can run its own server beside the test one.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${UPLIFT_MARIADB_DIR:-$PWD/build/mariadb}
PORT=${UPLIFT_TEST_MYSQL_PORT:-33307}
PIDFILE=$DIR/mariadbd.pid
mkdir -p "$DIR"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    echo "mariadb.sh: mariadb-server is not installed; MySQL tests will be skipped" >&2
    rm -f "$DIR/env"; return 0
  fi
  if running; then echo "mariadb.sh: already running (pid $(cat "$PIDFILE"))"; return 0; fi
  # Another server on the port (a second checkout's test server, say) would make this one abort
  # with only "Address already in use" in its error log: say so here, with the way out.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "mariadb.sh: 127.0.0.1:$PORT is already in use by another process (another checkout's test server? stop it with its tests/mariadb.sh stop, or set UPLIFT_TEST_MYSQL_PORT)" >&2
    return 1
  fi
  local user_opt=()
  [ "$(id -u)" -eq 0 ] && user_opt=(--user=root)
  if [ ! -d "$DIR/data/mysql" ]; then
    rm -rf "$DIR/data"
    mariadb-install-db --no-defaults --datadir="$DIR/data" "${user_opt[@]}" --auth-root-authentication-method=normal \
      --skip-test-db >"$DIR/install.log" 2>&1
  fi
  /usr/sbin/mariadbd --no-defaults --datadir="$DIR/data" --port="$PORT" --bind-address=127.0.0.1 \
    --socket="$DIR/mysqld.sock" --pid-file="$PIDFILE" "${user_opt[@]}" --skip-name-resolve \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
    --log-error="$DIR/error.log" >"$DIR/stderr.log" 2>&1 &
  local up=0
  for _ in $(seq 1 100); do
    if mariadb --no-defaults -uroot --socket="$DIR/mysqld.sock" -e 'select 1' >/dev/null 2>&1; then up=1; break; fi
    sleep 0.2
  done
  if [ "$up" != 1 ]; then
    echo "mariadb.sh: the server did not start within 20 s; the last lines of $DIR/error.log:" >&2
    tail -5 "$DIR/error.log" >&2 || true
    return 1
  fi
  mariadb --no-defaults -uroot --socket="$DIR/mysqld.sock" -e "
    CREATE USER IF NOT EXISTS 'uplift'@'127.0.0.1' IDENTIFIED BY 'uplift-test';
    GRANT ALL ON *.* TO 'uplift'@'127.0.0.1';
    FLUSH PRIVILEGES;"
  echo "UPLIFT_TEST_MYSQL=mysql://uplift:uplift-test@127.0.0.1:$PORT/uplift_test" >"$DIR/env"
  echo "mariadb.sh: started on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}

stop() {
  if running; then
    local pid; pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    echo "mariadb.sh: stopped"
  fi
  rm -f "$DIR/env"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: tests/mariadb.sh start|stop" >&2; exit 2 ;;
esac
