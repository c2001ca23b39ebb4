#!/usr/bin/env bash
# Real clients (Segment analytics-node, @xapi/xapi, curl) against `uplift serve`; responses are
# validated against api/openapi.yaml; then SIGTERM must stop the server cleanly (exit 0).
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start
run_node_tests api/clients.test.mjs
api_stop
grep -q '"msg":"stopped"' "$SERVER_LOG"
