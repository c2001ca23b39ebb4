# Shared set-up of the alert e2e tests (source after lib/server.sh, from tests/e2e):
#   alerts_config        copies the shipped config to $cfg (graph, catalogs, trigger rules)
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
