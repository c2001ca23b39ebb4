#!/usr/bin/env bash
# The bad-HTTP-input catalog: all 4xx problem+json, never 5xx, the server keeps answering, and
# valid records sent alongside bad ones are not lost. The short request deadline (3 s) bounds the
# slowloris cases.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start --request-timeout 3
run_node_tests api/bad_input.test.mjs api/bad_input_matrix.test.mjs
