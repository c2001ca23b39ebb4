#!/usr/bin/env bash
# The front door under slow and greedy clients (tests/e2e/api/connections.test.mjs): first 64
# slow connections against 4 threads, then the connection caps, the queue bound, idle timeouts
# and lingering close on a server started with small limits. Both servers have three front-door
# lanes, so connections dealt to every lane, and caps and queue bounds shared by them, are checked.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
api_start --threads 4 --front-door-threads 3 --header-timeout 20 --request-timeout 25
PHASE=slow run_node_tests api/connections.test.mjs
# A client that stops reading while it keeps asking: front-door answers arrive whole, in order.
curl -sS -o /dev/null -X POST "$API_URL/v1/records" -H "Authorization: Bearer $KEY_INGEST" \
  -H 'Content-Type: application/x-ndjson' --data-binary \
  $'{"kind":"account","id":"bp-acct","name":"Backpressure"}\n{"kind":"learner","id":"bp-learner","account":"bp-acct","role":"admin"}\n'
python3 "$E2E_DIR/api/front_door_backpressure.py" "$API_URL" "$KEY_LMS" bp-learner 3000
api_stop
api_serve --threads 1 --front-door-threads 3 --max-queued 1 --max-connections-per-client 8 --max-connections 12 \
  --header-timeout 2 --keep-alive-timeout 2 --request-timeout 10
PHASE=caps run_node_tests api/connections.test.mjs
