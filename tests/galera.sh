#!/usr/bin/env bash
# A private 3-node MariaDB Galera cluster on 127.0.0.1 for the tests and benchmarks (failover,
# quorum loss, write conflicts). Each node has its own datadir, cnf file, socket, pid file and
# ports under $DIR/nodeN; nodes are started and stopped by PID. Never touches a system service
# and reads nothing from /etc/mysql (every mariadbd gets --defaults-file=$DIR/nodeN/my.cnf,
# which the SST scripts pass on to my_print_defaults).
#   tests/galera.sh start      -> bootstraps node 1, joins 2 and 3 (rsync SST), waits until all
#                                 three are Synced with cluster size 3, creates 'uplift'@'127.0.0.1'
#                                 (ALL on *.*) and database uplift_galera, and writes $DIR/env:
#                                   UPLIFT_TEST_GALERA=mysql://uplift:uplift-test@127.0.0.1:P1,...:P3/uplift_galera
#                                   UPLIFT_TEST_GALERA_NODE1..3=mysql://...@127.0.0.1:Pn/uplift_galera
#                                   UPLIFT_GALERA_PIDS="pid1 pid2 pid3"
#                                 If some nodes already run, only the missing ones are (re)joined.
#   tests/galera.sh stop       -> TERM all nodes (KILL after 30 s), remove $DIR/env
#   tests/galera.sh status     -> one line per node: pid, port, size, state, cluster status
#   tests/galera.sh kill N     -> kill -9 node N; waits until the other nodes have noticed
#   tests/galera.sh restart N  -> start node N again; it rejoins (IST/SST) and is waited for
#   tests/galera.sh isolate N  -> gmcast.isolate=1: node N keeps answering SQL but leaves the
#                                 primary component (queries fail with 1047 WSREP not ready)
#   tests/galera.sh rejoin N   -> gmcast.isolate=0 and wait until N is Synced again
# Environment:
#   UPLIFT_GALERA_DIR        directory (default build/galera)
#   UPLIFT_GALERA_BASE_PORT  SQL ports base..base+2 (default 23411); Galera group communication
#                            uses base+100.., IST base+200.., rsync SST base+300.. Keep them all
#                            below the kernel's ephemeral range (32768+): a client polling a node
#                            that is down can otherwise connect to itself on that very port
#                            (TCP simultaneous open) and the node then cannot bind it.
#   UPLIFT_GALERA_WSREP_MODE wsrep_mode (default REQUIRED_PRIMARY_KEY; empty = off)
#   UPLIFT_GALERA_TIMEOUT    seconds to wait for a node (default 120)
# As root the nodes run as user mysql (rsync SST refuses to work as root): the node directories
# are chowned to mysql and, if mysql cannot reach $DIR, o+x is added to its parent directories.
# A fresh start always bootstraps node 1 from its own data and makes 2 and 3 take a full SST.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${UPLIFT_GALERA_DIR:-$PWD/build/galera}
BASE=${UPLIFT_GALERA_BASE_PORT:-23411}
WSREP_MODE=${UPLIFT_GALERA_WSREP_MODE-REQUIRED_PRIMARY_KEY}
TIMEOUT=${UPLIFT_GALERA_TIMEOUT:-120}
PROVIDER=/usr/lib/galera/libgalera_smm.so
MARIADBD=/usr/sbin/mariadbd
NODES=(1 2 3)
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
RUN_AS=""
[ "$(id -u)" -eq 0 ] && RUN_AS=mysql

say() { echo "galera.sh: $*"; }
die() { echo "galera.sh: $*" >&2; exit 1; }
nd() { echo "$DIR/node$1"; }
sqlport() { echo $((BASE + $1 - 1)); }
gport() { echo $((BASE + 100 + $1 - 1)); }
pidof_node() { cat "$(nd "$1")/pid" 2>/dev/null || true; }  # ours; mariadbd.pid is the server's
running() {
  local pid; pid=$(pidof_node "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = mariadbd ]
}
need_primary() {
  local n; for n in "${NODES[@]}"; do running "$n" && [[ $(state "$n") == *status=Primary* ]] && return 0; done
  die "no running node is in the Primary component (quorum lost); use stop and start"
}
any_running() { local n; for n in "${NODES[@]}"; do running "$n" && return 0; done; return 1; }
sql() { mariadb --no-defaults -uroot --socket="$(nd "$1")/mysqld.sock" -N -B -e "$2"; }
valid_node() { case "${1:-}" in 1|2|3) ;; *) die "node must be 1, 2 or 3" ;; esac; }

# "ready=ON status=Primary size=3 state=4 comment=Synced", or "no SQL answer"
state() {
  local out
  out=$(sql "$1" "SHOW GLOBAL STATUS LIKE 'wsrep_%'" 2>/dev/null) || { echo "no SQL answer"; return 0; }
  awk '{ v[$1] = $2 } END { printf "ready=%s status=%s size=%s state=%s comment=%s\n",
    v["wsrep_ready"], v["wsrep_cluster_status"], v["wsrep_cluster_size"], v["wsrep_local_state"],
    v["wsrep_local_state_comment"] }' <<<"$out"
}

# wait_state N REGEX: wait until node N's state() matches REGEX; fail with its error log tail.
wait_state() {
  local n=$1 re=$2 s="no SQL answer" deadline=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    running "$n" || { tail -n 30 "$(nd "$n")/error.log" >&2 2>/dev/null || true; die "node $n died"; }
    s=$(state "$n")
    [[ $s =~ $re ]] && return 0
    sleep 0.5
  done
  tail -n 30 "$(nd "$n")/error.log" >&2 2>/dev/null || true
  die "node $n: no '$re' after ${TIMEOUT}s (last: $s)"
}
SYNCED='ready=ON status=Primary size=3 state=4 '

# mysql must be able to reach $DIR when the nodes run as mysql
reachable() {
  [ -z "$RUN_AS" ] && return 0
  runuser -u "$RUN_AS" -- test -x "$DIR" && return 0
  local p="" part
  IFS=/ read -ra parts <<<"${DIR#/}"
  for part in "${parts[@]}"; do
    p="$p/$part"
    if ! runuser -u "$RUN_AS" -- test -x "$p"; then say "chmod o+x $p (so that user mysql can reach $DIR)"; chmod o+x "$p"; fi
  done
}

write_cnf() {
  local n=$1 d; d=$(nd "$1")
  cat >"$d/my.cnf" <<EOF
[mysqld]
${RUN_AS:+user=$RUN_AS}
datadir=$d/data
port=$(sqlport "$n")
bind-address=127.0.0.1
socket=$d/mysqld.sock
pid-file=$d/mariadbd.pid
log-error=$d/error.log
skip-name-resolve
innodb-buffer-pool-size=128M
max-connections=300
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=uplift_galera
wsrep_cluster_address=gcomm://127.0.0.1:$(gport 1),127.0.0.1:$(gport 2),127.0.0.1:$(gport 3)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1
wsrep_node_incoming_address=127.0.0.1:$(sqlport "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gport "$n");ist.recv_addr=127.0.0.1:$((BASE + 200 + n - 1));gcache.size=64M"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((BASE + 300 + n - 1))
${WSREP_MODE:+wsrep_mode=$WSREP_MODE}
EOF
}

# start_node N bootstrap|join
start_node() {
  local n=$1 mode=$2 d; d=$(nd "$1")
  mkdir -p "$d/data"
  if [ "$mode" = bootstrap ]; then
    if [ ! -d "$d/data/mysql" ]; then
      rm -rf "$d/data"
      mariadb-install-db --no-defaults --datadir="$d/data" ${RUN_AS:+--user=$RUN_AS} \
        --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 ||
        { cat "$d/install.log" >&2; die "mariadb-install-db failed for node $n"; }
    fi
    # we decide who bootstraps; Galera's own guard is for real clusters
    [ -f "$d/data/grastate.dat" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
  fi
  write_cnf "$n"
  # gvwstate.dat of a killed node restores its old gcomm identity, which the others may still
  # hold in their view: the join then hangs in non-Primary. A fresh identity joins at once.
  rm -f "$d/mysqld.sock" "$d/mariadbd.pid" "$d/data/gvwstate.dat"
  [ -n "$RUN_AS" ] && chown -R "$RUN_AS:" "$d"
  local extra=()
  [ "$mode" = bootstrap ] && extra=(--wsrep-new-cluster)
  "$MARIADBD" --defaults-file="$d/my.cnf" "${extra[@]}" >"$d/stderr.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$d/pid"  # known at once; mariadbd writes mariadbd.pid only late (and truncates it first)
  for _ in $(seq 1 50); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = mariadbd ] && break; sleep 0.1; done
}

write_env() {
  local n pids=() url="" nodes=""
  for n in "${NODES[@]}"; do
    running "$n" && pids+=("$(pidof_node "$n")")
    url="$url${url:+,}127.0.0.1:$(sqlport "$n")"
    nodes+="UPLIFT_TEST_GALERA_NODE$n=mysql://uplift:uplift-test@127.0.0.1:$(sqlport "$n")/uplift_galera"$'\n'
  done
  printf 'UPLIFT_TEST_GALERA=mysql://uplift:uplift-test@%s/uplift_galera\n%sUPLIFT_GALERA_PIDS="%s"\n' \
    "$url" "$nodes" "${pids[*]}" >"$DIR/env"
}

start() {
  if [ ! -x "$MARIADBD" ] || [ ! -f "$PROVIDER" ] || ! command -v rsync >/dev/null; then
    echo "galera.sh: mariadb-server, galera-4 or rsync is not installed; Galera tests will be skipped" >&2
    rm -f "$DIR/env"; return 0
  fi
  local n missing=()
  for n in "${NODES[@]}"; do running "$n" || missing+=("$n"); done
  if [ ${#missing[@]} -eq 0 ]; then
    say "already running (pids $(for n in "${NODES[@]}"; do pidof_node "$n"; done | paste -sd' '))"
    write_env; return 0
  fi
  reachable
  local t0=$SECONDS
  [ ${#missing[@]} -lt 3 ] && need_primary
  if [ ${#missing[@]} -eq 3 ]; then
    start_node 1 bootstrap
    wait_state 1 'ready=ON status=Primary size=1 state=4 '
    missing=(2 3)
    # a fresh cluster: joiners take a full SST from node 1, whatever state they were left in
    for n in 2 3; do rm -f "$(nd $n)/data/grastate.dat"; done
  fi
  for n in "${missing[@]}"; do start_node "$n" join; wait_state "$n" 'state=4 '; done
  for n in "${NODES[@]}"; do wait_state "$n" "$SYNCED"; done
  sql 1 "CREATE USER IF NOT EXISTS 'uplift'@'127.0.0.1' IDENTIFIED BY 'uplift-test';
         GRANT ALL ON *.* TO 'uplift'@'127.0.0.1';
         CREATE DATABASE IF NOT EXISTS uplift_galera;"
  write_env
  say "started on 127.0.0.1:$(sqlport 1),$(sqlport 2),$(sqlport 3) in $((SECONDS - t0))s (pids $(grep PIDS "$DIR/env" | cut -d'"' -f2))"
}

# TERM the given nodes in parallel; KILL after 30 s, or after 5 s for a node that does not answer
# SQL (still joining: mariadbd ignores TERM while it waits for a state transfer)
stop_nodes() {
  local n pid pids=() tries=()
  for n; do
    running "$n" || continue
    pid=$(pidof_node "$n"); pids+=("$pid")
    if sql "$n" 'select 1' >/dev/null 2>&1; then tries+=(150); else tries+=(25); fi
    kill "$pid" 2>/dev/null || true
  done
  for i in "${!pids[@]}"; do
    for _ in $(seq 1 "${tries[$i]}"); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${pids[$i]}" 2>/dev/null || true
  done
  STOPPED+=("${pids[@]}")
}

stop() {
  STOPPED=()
  stop_nodes 2 3; stop_nodes 1  # node 1 last: it has the newest state and is safe to bootstrap
  if [ ${#STOPPED[@]} -gt 0 ]; then say "stopped (pids ${STOPPED[*]})"; else say "not running"; fi
  rm -f "$DIR/env"
}

status() {
  local n
  for n in "${NODES[@]}"; do
    if running "$n"; then echo "node$n pid=$(pidof_node "$n") port=$(sqlport "$n") $(state "$n")"
    else echo "node$n pid=- port=$(sqlport "$n") down"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill)
    valid_node "${2:-}"; running "$2" || die "node $2 is not running"
    pid=$(pidof_node "$2"); kill -9 "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    # wait until the survivors have noticed (smaller cluster, or no quorum any more)
    alive=(); for n in "${NODES[@]}"; do running "$n" && alive+=("$n"); done
    for n in "${alive[@]}"; do wait_state "$n" "status=non-Primary|size=[1-${#alive[@]}] "; done
    write_env; say "killed node $2 (pid $pid)" ;;
  restart)
    valid_node "${2:-}"
    if running "$2"; then say "node $2 already running"; exit 0; fi
    any_running || die "no node is running; use start"
    need_primary; start_node "$2" join; wait_state "$2" "$SYNCED"; write_env
    say "node $2 rejoined (pid $(pidof_node "$2"))" ;;
  isolate)
    valid_node "${2:-}"; running "$2" || die "node $2 is not running"
    sql "$2" "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'"
    wait_state "$2" 'ready=OFF|status=non-Primary'; say "node $2 isolated: $(state "$2")" ;;
  rejoin)
    valid_node "${2:-}"; running "$2" || die "node $2 is not running"
    sql "$2" "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'"
    wait_state "$2" "$SYNCED"; say "node $2 rejoined: $(state "$2")" ;;
  *) echo "usage: tests/galera.sh start|stop|status|kill N|restart N|isolate N|rejoin N" >&2; exit 2 ;;
esac
