#!/usr/bin/env bash
# The learning API (segments, recommendations, paths) against `uplift serve` holding the demo
# data (30 accounts) plus one account per audience (api/fixtures/recommend_audiences.ndjson),
# all posted through /v1/records; then completions via xAPI and a webhook, and the CLI compared.
source "$(dirname "$0")/api/harness.sh"
need_node_modules
"$UPLIFT_BIN" demo generate --accounts 30 --seed 7 --out "$API_TMP/demo" >/dev/null
api_start
RECOMMEND_RECORDS="$E2E_DIR/api/fixtures/recommend_audiences.ndjson"
for f in accounts learners events completions attendance; do
  RECOMMEND_RECORDS="$RECOMMEND_RECORDS:$API_TMP/demo/$f.ndjson"
done
export RECOMMEND_RECORDS
IFS=: read -r -a files <<<"$RECOMMEND_RECORDS"
for f in "${files[@]}"; do
  code=$(curl -sS -o "$API_TMP/post.out" -w '%{http_code}' -X POST "$API_URL/v1/records" \
    -H "Authorization: Bearer $KEY_INGEST" -H 'Content-Type: application/x-ndjson' --data-binary @"$f")
  [ "$code" = 200 ] || { echo "posting $f: HTTP $code $(head -c 500 "$API_TMP/post.out")" >&2; exit 1; }
  grep -q '"rejected":\[\]' "$API_TMP/post.out" || { echo "posting $f rejected records: $(head -c 500 "$API_TMP/post.out")" >&2; exit 1; }
done
run_node_tests api/recommend.test.mjs
