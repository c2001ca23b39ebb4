#!/usr/bin/env bash
# The bad-HTTP-input catalog: all 4xx problem+json, never 5xx, the server keeps answering.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start
run_node_tests api/bad_input.test.mjs
