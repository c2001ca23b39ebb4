#!/usr/bin/env bash
# Cohorts and the ROI report over HTTP on demo data (tests/e2e/api/cohorts.test.mjs): preview,
# create, CSV == JSON, immutability after send, validation errors, report == `uplift report`;
# then the server is restarted and the sent cohort, its holdout and its CSV must be unchanged.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
demo=$API_TMP/demo
"$UPLIFT_BIN" demo generate --accounts 300 --seed 7 --out "$demo" >/dev/null
"$UPLIFT_BIN" import --db "sqlite:$API_TMP/uplift.db" "$demo"/*.ndjson >/dev/null
"$UPLIFT_BIN" cohorts import --db "sqlite:$API_TMP/uplift.db" "$demo/cohorts.json" >/dev/null
api_start
export COHORTS_STATE=$API_TMP/cohorts-state.json
run_node_tests api/cohorts.test.mjs
api_stop
api_serve
COHORTS_PHASE=restart run_node_tests api/cohorts.test.mjs
