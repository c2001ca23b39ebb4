# Shared set-up of the alert e2e tests (source after lib/server.sh, from tests/e2e):
#   alerts_config        copies the shipped config to $cfg (graph, catalogs, trigger rules)
#   serve_demo N         validates $cfg, imports N demo accounts into $E2E_TMP/u.db, makes keys
#                        ($read_key, $admin_key, $ingest_key) and serves it with $cfg; sets $db,
#                        $port, $api and get PATH (a GET with the read key)
#   write_departure FILE an account renewing in 40 days whose admin left the day before the
#                        demo's as-of date (it fires sponsor_departed_before_renewal)
#   start_receiver PLAN  starts alerts/receiver.mjs with a failure plan; sets $rport, exports
#                        HOOK_SECRET (a fresh Standard Webhooks secret); extra env (SLOW_MS,
#                        KEEPALIVE_MS) passes on
alerts_config() {
  cfg="$E2E_TMP/cfg"
  mkdir -p "$cfg"
  cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$cfg/"
}
start_receiver() {
  HOOK_SECRET="whsec_$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
  export HOOK_SECRET
  SLOW_MS=${SLOW_MS:-} KEEPALIVE_MS=${KEEPALIVE_MS:-} node alerts/receiver.mjs "$E2E_TMP/recv.port" "$1" >"$E2E_TMP/receiver.log" 2>&1 &
  E2E_PIDS+=($!)
  for _ in $(seq 1 100); do [ -s "$E2E_TMP/recv.port" ] && break; sleep 0.1; done
  [ -s "$E2E_TMP/recv.port" ] || { cat "$E2E_TMP/receiver.log" >&2; echo "FAIL: the receiver did not start" >&2; exit 1; }
  rport=$(cat "$E2E_TMP/recv.port")
}

serve_demo() {
  "$UPLIFT_BIN" triggers validate --config "$cfg" >/dev/null || fail "the test's trigger config does not validate"
  db="sqlite:$E2E_TMP/u.db"
  "$UPLIFT_BIN" demo generate --accounts "$1" --seed 7 --out "$E2E_TMP/demo" >/dev/null
  "$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
  read_key=$(make_key "$db" analyst alerts-read)
  admin_key=$(make_key "$db" admin alerts-admin)
  ingest_key=$(make_key "$db" ingest alerts-ingest)
  port=$(free_port)
  start_server "$db" "$port" --config "$cfg"
  wait_ready "$port"
  api="http://127.0.0.1:$port"
}
get() { curl -sS -H "Authorization: Bearer $read_key" "$api$1"; }
write_departure() {
  local as_of renewal left
  as_of=$(jq -r '.generated_for // .now // empty' "$E2E_TMP/demo/truth.json")
  [ -n "$as_of" ] || as_of=2026-11-01
  renewal=$(date -u -d "$as_of + 40 days" +%F)
  left=$(date -u -d "$as_of - 1 day" +%FT%TZ)
  printf '%s\n%s\n' \
    "{\"kind\":\"account\",\"id\":\"acct-new\",\"name\":\"Fresh Ltd\",\"csm\":\"ana\",\"tier\":\"smb\",\"plan\":\"starter\",\"arr\":12000,\"renewal_date\":\"$renewal\",\"created_at\":\"2026-01-05T00:00:00Z\"}" \
    "{\"kind\":\"learner\",\"id\":\"acct-new-u1\",\"account\":\"acct-new\",\"role\":\"admin\",\"email\":\"a@fresh.example.com\",\"created_at\":\"2026-01-05T00:00:00Z\",\"departed_at\":\"$left\"}" \
    >"$1"
}
