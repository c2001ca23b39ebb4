#!/usr/bin/env bash
# xAPI as an LRS client expects it (issue 18), with the real @xapi/xapi client against a real
# `uplift serve`: mixed-verb batches are stored whole (completions, attendance and learning
# events a milestone criterion counts), statements by people uplift does not know wait in the
# unresolved queue, GET ?statementId= answers a forwarder's idempotency check, the same statement
# again is a no-op and another one under its id a 409, and a batch holding one invalid statement
# is refused whole with the statement's index and reason. Details: xapi/xapi.test.mjs.
source "$(dirname "$0")/lib/server.sh"
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
[ -d "$E2E_DIR/node_modules/@xapi" ] || (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# The shipped graph plus one milestone counted from xAPI learning events.
export UPLIFT_CONFIG_DIR="$E2E_TMP/cfg"
mkdir -p "$UPLIFT_CONFIG_DIR"
cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$UPLIFT_CONFIG_DIR/"
jq '.milestones += [{"id": "intro_video_watched", "title": "Watched the CLM intro video", "event": "xapi.experienced",
                     "where": {"props.content": "clm-intro-video"}, "count": 1, "unit": "views"}]' \
  "$UPLIFT_SOURCE_DIR/milestones/clm.json" >"$UPLIFT_CONFIG_DIR/milestones/clm.json"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 20 --seed 5 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
export XAPI_ACCOUNT
XAPI_ACCOUNT=$(jq -r 'select(.audience == "customer") | .id' "$E2E_TMP/demo/accounts.ndjson" | head -1)
printf '{"kind":"learner","id":"xapi-ana","account":"%s","email":"Ana.Xapi@example.com","role":"admin"}\n' "$XAPI_ACCOUNT" \
  >"$E2E_TMP/ana.ndjson"
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP/ana.ndjson" >/dev/null
export KEY_INGEST KEY_READ API_URL
KEY_INGEST=$(make_key "$db" ingest xapi-ingest)
KEY_READ=$(make_key "$db" analyst xapi-read)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
API_URL="http://127.0.0.1:$port"
cd "$E2E_DIR" && node --test --test-reporter=spec xapi/xapi.test.mjs
