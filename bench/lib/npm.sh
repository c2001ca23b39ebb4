# npm_install DIR: the exact packages of DIR's package-lock.json, installed with `npm ci` (Debian
# 12's npm 9 and npm 11 both accept the lock files: every optional per-platform package, such as
# DuckDB's node bindings for each OS, CPU and libc, is listed). Nothing falls back to
# `npm install`, which would resolve versions anew and rewrite the lock: a lock that npm refuses
# fails the bench, with npm's reason on stderr. Skipped when node_modules already holds this lock's
# install: a hash of the lock kept in node_modules/.uplift-lock, or else npm's own record of the
# install (node_modules/.package-lock.json) newer than the lock, as `./run test` leaves tests/e2e.
npm_install() {
  local dir=$1 want have=""
  command -v npm >/dev/null || { echo "bench: npm missing (./run bench installs it)" >&2; return 2; }
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$dir/node_modules/.uplift-lock" ] && have=$(cat "$dir/node_modules/.uplift-lock")
  [ "$want" = "$have" ] && return 0
  [ -z "$have" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
  echo "bench: npm ci in $dir (npm $(npm --version))"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
    echo "bench: npm ci refused $dir/package-lock.json (see npm's error above)" >&2; return 1; }
  echo "$want" >"$dir/node_modules/.uplift-lock"
}
