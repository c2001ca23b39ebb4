#!/usr/bin/env bash
# A Standard-Webhooks-signed LMS (360Learning's recorded payloads, tests/data/vendors/
# standard-webhooks) through a real `uplift serve`, each delivery signed by the `standardwebhooks`
# npm library's own signer: completions land on the learner 360Learning's user.created taught the
# id to (before it: in the unresolved queue), a delivery sent again is a duplicate, and tampered,
# replayed (outside the tolerance), unsigned and wrongly-signed deliveries are refused (401).
# Details: webhooks/signed.test.mjs.
source "$(dirname "$0")/lib/server.sh"
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
[ -d "$E2E_DIR/node_modules/standardwebhooks" ] || (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
export UPLIFT_CONFIG_DIR="$E2E_TMP/cfg"
mkdir -p "$UPLIFT_CONFIG_DIR/sources"
cp -r "$UPLIFT_SOURCE_DIR"/{milestones,segments,content_maps,targets,triggers} "$UPLIFT_CONFIG_DIR/"
cp "$UPLIFT_SOURCE_DIR/tests/data/vendors/standard-webhooks/360learning.source.json" "$UPLIFT_CONFIG_DIR/sources/360learning.json"
export UPLIFT_360LEARNING_SECRET
UPLIFT_360LEARNING_SECRET="whsec_$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"
db="sqlite:$E2E_TMP/u.db"
"$UPLIFT_BIN" demo generate --accounts 20 --seed 7 --out "$E2E_TMP/demo" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP"/demo/*.ndjson >/dev/null
account=$(jq -r 'select(.audience == "customer") | .id' "$E2E_TMP/demo/accounts.ndjson" | head -1)
printf '{"kind":"learner","id":"jane-360","account":"%s","email":"Jane@Example.com","role":"admin"}\n' "$account" >"$E2E_TMP/jane.ndjson"
"$UPLIFT_BIN" import --db "$db" "$E2E_TMP/jane.ndjson" >/dev/null
export KEY_READ KEY_INGEST API_URL ACCOUNT="$account" VENDOR_DIR="$UPLIFT_SOURCE_DIR/tests/data/vendors/standard-webhooks"
KEY_READ=$(make_key "$db" analyst wh-read)
KEY_INGEST=$(make_key "$db" ingest wh-ingest)
port=$(free_port); start_server "$db" "$port"; wait_ready "$port"
API_URL="http://127.0.0.1:$port"
cd "$E2E_DIR" && node --test --test-reporter=spec webhooks/signed.test.mjs
