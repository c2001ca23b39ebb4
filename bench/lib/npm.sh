# npm_install DIR: the reference tool's packages from DIR's lock file. npm 11 refuses `npm ci` when
# the lock lacks the optional per-platform packages of another OS (DuckDB's node bindings: a lock
# written on Linux lists only linux-x64), so after a refused `npm ci` the same versions are
# installed with `npm install --no-save` (the lock file is read, not rewritten).
npm_install() {
  local dir=$1
  [ -d "$dir/node_modules/@duckdb/node-api" ] && return 0
  (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 ||
                  npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null; })
}
