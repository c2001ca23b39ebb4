#!/usr/bin/env bash
# Browser tests of the education console (web/): a real `uplift serve` on demo data, driven by
# Debian's chromium through playwright-core (tests/e2e/console/${CONSOLE_TESTS:-*}.test.mjs). Screenshots of each
# page land in $UPLIFT_BUILD_DIR/console-screenshots/ as test artefacts.
source "$(dirname "$0")/lib/server.sh"
E2E_DIR=$UPLIFT_SOURCE_DIR/tests/e2e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "console e2e needs chromium at $CHROMIUM (apt-get install chromium)" >&2; exit 1; }
[ -d "$E2E_DIR/node_modules/playwright-core" ] || { echo "run 'npm ci' in tests/e2e first (playwright-core missing)" >&2; exit 1; }

data=$E2E_TMP/demo
db="sqlite:$data/u.db"
"$UPLIFT_BIN" demo generate --accounts 300 --seed 7 --out "$data" >/dev/null
"$UPLIFT_BIN" import --db "$db" "$data"/*.ndjson >/dev/null
"$UPLIFT_BIN" cohorts import --db "$db" "$data/cohorts.json" >/dev/null  # the demo's sent cohorts (ROI holdout)
key=$(make_key "$db" admin console-e2e)
port=$(free_port)
start_server "$db" "$port"

export CONSOLE_URL="http://127.0.0.1:$port" CONSOLE_KEY="$key" CHROMIUM
export CONSOLE_SCREENSHOTS=${UPLIFT_BUILD_DIR:-$UPLIFT_SOURCE_DIR/build}/console-screenshots
export CONSOLE_QUARTER=${CONSOLE_QUARTER:-2026Q3}
rm -rf "$CONSOLE_SCREENSHOTS"
cd "$E2E_DIR"
node --test --test-concurrency=1 --test-reporter=spec console/${CONSOLE_TESTS:-*}.test.mjs
echo "screenshots: $CONSOLE_SCREENSHOTS"
