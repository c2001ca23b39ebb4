#!/usr/bin/env bash
# Every endpoint × (no key, wrong scope, revoked key, right scope) against `uplift serve`.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start
run_node_tests api/auth_matrix.test.mjs
