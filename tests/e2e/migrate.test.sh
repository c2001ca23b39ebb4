#!/usr/bin/env bash
# `uplift migrate`: SQLite -> MariaDB -> a new SQLite file gives back exactly the same records
# (same content, same relative order) and documents, and verifies the counts itself.
# The MariaDB leg runs when $UPLIFT_TEST_MYSQL or build/mariadb/env (tests/mariadb.sh start) names
# a server; otherwise it is reported as SKIPPED and SQLite -> SQLite is checked alone.
set -euo pipefail
: "${UPLIFT_BIN:?UPLIFT_BIN must point at the uplift binary}"
SRC=${UPLIFT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/uplift-migrate.XXXXXX")
MYSQL_DB=""
cleanup() {
  if [ -n "$MYSQL_DB" ]; then mysql_cli -e "DROP DATABASE IF EXISTS $MYSQL_DB" >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Canonical dumps of a SQLite file: every table's rows in key order, and the replay order.
dump() {
  sqlite3 "$1" <<'SQL'
.mode list
.separator |
select 'event', id, account, name, ts, learner, qty, props from events order by id;
select 'entity', kind, rkey, body from entities order by kind, rkey;
select 'document', collection, dkey, body, updated_at from documents order by collection, dkey;
select 'order', 'event', id from events order by seq;
select 'order', kind, rkey from entities order by seq;
SQL
}
# Relative order across both tables (events and entities interleaved by seq).
replay_order() {
  sqlite3 "$1" "select k from (select seq, 'event:' || id as k from events union all
                select seq, kind || ':' || rkey from entities) order by seq"
}

A=$TMP/a.db C=$TMP/c.db
"$UPLIFT_BIN" import --db "sqlite:$A" --quiet "$SRC/tests/data/store/migrate_seed.ndjson" >"$TMP/import.log" 2>&1 ||
  { cat "$TMP/import.log"; fail "import of the seed file"; }
"$UPLIFT_BIN" keys create --db "sqlite:$A" --scope admin --name migrate-test --quiet >/dev/null
[ "$(sqlite3 "$A" 'select count(*) from events')" = 5 ] || fail "seed import: expected 5 events"
[ "$(sqlite3 "$A" 'select count(*) from documents')" -ge 1 ] || fail "seed: expected an api key document"

base=${UPLIFT_TEST_MYSQL:-}
if [ -z "$base" ] && [ -f "$SRC/build/mariadb/env" ]; then
  base=$(sed -n 's/^UPLIFT_TEST_MYSQL=//p' "$SRC/build/mariadb/env")
fi

if [ -n "$base" ]; then
  rest=${base#mysql://}; creds=${rest%%@*}; hostpart=${rest#*@}
  MY_USER=${creds%%:*}; MY_PASS=${creds#*:}; hp=${hostpart%%/*}
  MY_HOST=${hp%%:*}; MY_PORT=${hp##*:}
  mysql_cli() { mariadb --no-defaults -N -u"$MY_USER" -p"$MY_PASS" -h"$MY_HOST" -P"$MY_PORT" "$@"; }
  MYSQL_DB=uplift_e2e_migrate_$$
  B="mysql://$MY_USER:$MY_PASS@$MY_HOST:$MY_PORT/$MYSQL_DB"
  echo "== sqlite -> mariadb ($MY_HOST:$MY_PORT/$MYSQL_DB)"
  "$UPLIFT_BIN" migrate --from "sqlite:$A" --to "$B" | tee "$TMP/m1.out"
  grep -q "MISMATCH" "$TMP/m1.out" && fail "counts differ after sqlite -> mariadb"
  [ "$(mysql_cli "$MYSQL_DB" -e 'select count(*) from events')" = 5 ] || fail "mariadb holds the wrong event count"
  echo "== mariadb -> sqlite"
  "$UPLIFT_BIN" migrate --from "$B" --to "sqlite:$C" | tee "$TMP/m2.out"
else
  [ "${CI:-}" = true ] && fail "CI=true but no MariaDB is configured: the MariaDB leg must run in CI"
  echo "SKIPPED: the MariaDB leg (no \$UPLIFT_TEST_MYSQL and no build/mariadb/env; run tests/mariadb.sh start)"
  echo "== sqlite -> sqlite"
  "$UPLIFT_BIN" migrate --from "sqlite:$A" --to "sqlite:$C" | tee "$TMP/m2.out"
fi

# The round trip changed nothing: same rows, same replay order.
dump "$A" >"$TMP/a.dump"
dump "$C" >"$TMP/c.dump"
diff -u "$TMP/a.dump" "$TMP/c.dump" || fail "records differ after the round trip"
diff -u <(replay_order "$A") <(replay_order "$C") || fail "replay order differs after the round trip"
grep -q '^event .* 5 .* 5$' "$TMP/m2.out" || fail "migrate did not print the event counts (5 and 5)"
grep -q '^account .* 2 .* 2$' "$TMP/m2.out" || fail "migrate did not print the account counts (2 and 2)"

# A destination that already holds data is refused (exit 2) rather than silently merged.
set +e
"$UPLIFT_BIN" migrate --quiet --from "sqlite:$A" --to "sqlite:$C" >"$TMP/m3.out" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$TMP/m3.out"; fail "migrating into a non-empty database: exit $rc, want 2"; }
grep -q "already holds data" "$TMP/m3.out" || fail "no explanation for the refused destination"

# A bad URL is a usage error naming the scheme, never echoing a password.
set +e
"$UPLIFT_BIN" migrate --from "sqlite:$A" --to "postgres://u:hunter2@h/db" >"$TMP/m4.out" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown scheme: exit $rc, want 2"
grep -q postgres "$TMP/m4.out" || fail "unknown scheme not named"
grep -q hunter2 "$TMP/m4.out" && fail "password echoed"
echo "migrate: OK"
