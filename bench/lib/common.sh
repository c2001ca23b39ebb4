# Shared helpers for the server benchmarks (bench/api_ingest, bench/recommend, bench/soak).
# Source it from a run.sh after `cd` to the repo root. It promises:
#   - servers listen on 127.0.0.1 only, on a free port picked at random by the kernel;
#   - every process started through bench_spawn / bench_start_* is killed by PID on EXIT
#     (TERM, then KILL after 5 s) — nothing is killed by name;
#   - nginx runs with its own prefix, conf, pid and temp dirs under bench/work/<name>/nginx.
# Needs: python3, curl; nginx for bench_start_nginx.

BENCH_PIDS=()

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# bench_kill PID: stop one process we started (TERM, then KILL) and forget it.
bench_kill() {
  local pid=$1 keep=() p
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${BENCH_PIDS[@]:-}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]:-}")
}

# A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# bench_wait_http URL SECONDS PID [-f]: wait until URL answers (any HTTP status; with -f a 2xx)
# while PID lives.
bench_wait_http() {
  local url=$1 secs=$2 pid=$3 fail=${4:-} i
  for i in $(seq 1 $((secs * 10))); do
    curl -s $fail -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "bench: process $pid exited before $url answered" >&2; return 1; }
    sleep 0.1
  done
  echo "bench: $url did not answer within ${secs}s" >&2
  return 1
}

# bench_start_uplift BIN DB_URL PORT LOG [extra serve args...] -> sets UPLIFT_PID; waits until
# /readyz is 200 (state loaded; /healthz answers earlier, while ingest still gets 503).
bench_start_uplift() {
  local bin=$1 db=$2 port=$3 log=$4; shift 4
  "$bin" serve --db "$db" --host 127.0.0.1 --port "$port" "$@" >"$log" 2>&1 &
  UPLIFT_PID=$!
  BENCH_PIDS+=("$UPLIFT_PID")
  bench_wait_http "http://127.0.0.1:$port/readyz" 900 "$UPLIFT_PID" -f || { tail -20 "$log" >&2; return 1; }
}

# bench_start_nginx DIR PORT 'server-block directives' -> sets NGINX_PID. The master runs in the
# foreground of its own background job (daemon off), so $! is its PID; workers die with it.
bench_start_nginx() {
  local dir=$1 port=$2 body=$3
  command -v nginx >/dev/null || { echo "bench: nginx missing (./run bench installs nginx-light)" >&2; return 2; }
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port;
$body
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
  bench_wait_http "http://127.0.0.1:$port/" 20 "$NGINX_PID" || { cat "$dir/logs/error.log" >&2; return 1; }
}

# The machine the numbers came from, as JSON (nproc, CPU model, RAM, kernel, OS).
bench_machine_json() {
  python3 - <<'PY'
import json, os, platform
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_kib = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
print(json.dumps({"cpu": cpu, "cores": os.cpu_count(), "nproc": len(os.sched_getaffinity(0)),
                  "memory_gib": round(mem_kib / 1048576, 1), "kernel": platform.release(),
                  "os": platform.platform(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}))
PY
}

# bench_rss_kib PID: resident set size of one process in KiB (0 if gone).
bench_rss_kib() {
  awk '/^VmRSS:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
