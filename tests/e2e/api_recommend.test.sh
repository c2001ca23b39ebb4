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

# A learner's reads are answered on the front door's thread (Lane::kFrontDoor); the same requests
# handed to a worker (--no-front-door-reads) must get the very same answers, refusals included.
front_door_answers() {
  curl -sS "$API_URL/metrics" -H "Authorization: Bearer $KEY_ADMIN" |
    awk '$1 == "uplift_http_front_door_answers_total" { print $2 }'
}
snapshot_learner_reads() {  # snapshot_learner_reads OUT: every learner's three reads, and refusals
  local out=$1 id what
  : >"$out"
  jq -r 'select(.kind == "learner") | .id' "${files[@]}" | sort -u | sed -n '1,150p' >"$API_TMP/learner-ids"
  echo "nobody" >>"$API_TMP/learner-ids"
  while read -r id; do
    for what in recommendations segments path "recommendations?limit=2" "recommendations?limit=0"; do
      printf '%s %s ' "$id" "$what" >>"$out"
      curl -sS -H "Authorization: Bearer $KEY_LMS" -w ' %{http_code}\n' "$API_URL/v1/learners/$id/$what" >>"$out"
    done
  done <"$API_TMP/learner-ids"
  id=$(head -1 "$API_TMP/learner-ids")
  printf 'no key ' >>"$out"
  curl -sS -w ' %{http_code}\n' "$API_URL/v1/learners/$id/recommendations" >>"$out"
  printf 'ingest key ' >>"$out"
  curl -sS -H "Authorization: Bearer $KEY_INGEST" -w ' %{http_code}\n' "$API_URL/v1/learners/$id/recommendations" >>"$out"
  # A well-formed key no one made (the front door leaves it to a worker, which asks the store) and
  # a malformed header.
  printf 'unknown key ' >>"$out"
  curl -sS -H "Authorization: Bearer upl_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" -w ' %{http_code}\n' \
    "$API_URL/v1/learners/$id/recommendations" >>"$out"
  printf 'malformed header ' >>"$out"
  curl -sS -H "Authorization: Basic !!!" -w ' %{http_code}\n' "$API_URL/v1/learners/$id/recommendations" >>"$out"
  # The answers' headers too (in any order; Date aside): content type and length, the security
  # headers, Cache-Control, the 401's challenge.
  local key
  for key in "$KEY_LMS" "$KEY_INGEST" "upl_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"; do
    curl -sS -D - -o /dev/null -H "Authorization: Bearer $key" "$API_URL/v1/learners/$id/recommendations" |
      tr -d '\r' | grep -v -e '^Date:' -e '^$' | sort >>"$out"
  done
}
before=$(front_door_answers)
snapshot_learner_reads "$API_TMP/front-door.txt"
after=$(front_door_answers)
[ "$((after - before))" -ge 700 ] || { echo "learner reads were not answered at the front door ($before → $after)" >&2; exit 1; }
api_stop
api_serve --no-front-door-reads
snapshot_learner_reads "$API_TMP/workers.txt"
[ "$(front_door_answers)" = 0 ] || { echo "--no-front-door-reads: the front door still answered learner reads" >&2; exit 1; }
grep -q ' 200$' "$API_TMP/workers.txt" && grep -q ' 404$' "$API_TMP/workers.txt" && grep -q ' 401$' "$API_TMP/workers.txt" ||
  { echo "the learner-read snapshot lacks 200/404/401 answers" >&2; exit 1; }
diff <(sed 's/"instance":"[^"]*",//' "$API_TMP/front-door.txt") <(sed 's/"instance":"[^"]*",//' "$API_TMP/workers.txt") >&2 ||
  { echo "front-door and worker answers to the same learner reads differ" >&2; exit 1; }
echo "learner reads: $(wc -l <"$API_TMP/workers.txt") answers identical at the front door and on workers"
