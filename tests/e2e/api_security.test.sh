#!/usr/bin/env bash
# Security promises over a real server: keys stored only as hashes, never in the log or the
# process list (also after auth failures and creating a key while serving), no CORS, and the
# security headers on the console, the API and early (connection-level) rejections.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start
export API_TMP
run_node_tests api/security.test.mjs
