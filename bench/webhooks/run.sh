#!/usr/bin/env bash
# Webhook ingest: requests/s and p50/p99 latency of the three LMS webhook kinds into `uplift serve`
# (SQLite, 127.0.0.1), at 4 and 32 keep-alive connections, against nginx accepting the very same
# bodies (`return 204`, body read and discarded) — same client (bench/webhooks/client.mjs), same
# bodies in the same order, same connection count, same run:
#   skilljar     COURSE_COMPLETION to POST /v1/webhooks/skilljar (ingest key as Bearer)
#   docebo       course.enrollment.completed to POST /v1/webhooks/docebo (ingest key, HTTP Basic)
#   360learning  course.attempt.closed to POST /v1/webhooks/360learning, a standard-webhooks source
#                (tests/data/vendors/standard-webhooks/360learning.source.json), each delivery
#                signed per Standard Webhooks with the `standardwebhooks` npm library
# Every body is a recorded vendor payload (tests/data/vendors/) with new ids and times, about a
# demo learner who already holds that vendor's id as an alias (skilljar:, docebo:, 360learning:,
# given in the learner records before the import), so each request is one new completion credited
# to a known learner: the run fails unless uplift answered 2xx to every request, accepted every
# record, and queued none as unresolved. nginx is the ceiling of what this client and loopback can
# move; uplift additionally authenticates (or verifies the signature), maps, resolves the person,
# commits to SQLite before answering and re-evaluates the learner's account.
#   bench/webhooks/run.sh [--scale small|full]
#     small: 500 demo accounts, at most 20,000 requests or 20 s per server and cell
#     full:  2,000 demo accounts, at most 100,000 requests or 60 s per server and cell
# Writes bench/results/webhooks.json (schema: bench/run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
source bench/lib/scale.sh
bench_scale webhooks "$@"
case "$scale" in
  small) ACCOUNTS=500 REQUESTS=20000 MAX_S=20 ;;
  full) ACCOUNTS=2000 REQUESTS=100000 MAX_S=60 ;;
esac
KINDS=(skilljar docebo 360learning) CONNS=(4 32)
BIN=${UPLIFT_BIN:-$ROOT/build/uplift}
[ -x "$BIN" ] || { echo "bench/webhooks: $BIN not built (./run build)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench/webhooks: node missing" >&2; exit 2; }
source bench/lib/common.sh
source bench/lib/npm.sh
npm_install tests/e2e

WORK=$ROOT/bench/work/webhooks
rm -rf "$WORK" && mkdir -p "$WORK" bench/results
MACHINE=$(bench_machine_json)

echo "==> webhooks: demo data ($ACCOUNTS accounts), every learner with a Skilljar, Docebo and 360Learning id"
"$BIN" demo generate --accounts "$ACCOUNTS" --seed 7 --out "$WORK/demo" >/dev/null
python3 - "$WORK/demo/learners.ndjson" "$WORK/people.json" <<'PY'
import json, sys
learners_file, people_file = sys.argv[1], sys.argv[2]
learners, people = [], []
for i, line in enumerate(open(learners_file)):
    r = json.loads(line)
    ids = {"skilljar": f"sj{i:013x}", "docebo": 200000 + i, "l360": f"684c{i:020x}"}
    r["aliases"] = [f"skilljar:{ids['skilljar']}", f"docebo:{ids['docebo']}", f"360learning:{ids['l360']}"]
    learners.append(json.dumps(r))
    first, _, last = r["email"].split("@")[0].partition(".")
    people.append({"email": r["email"], "first_name": first.title(), "last_name": last.title(), **ids})
open(learners_file, "w").write("\n".join(learners) + "\n")
json.dump(people, open(people_file, "w"))
PY
"$BIN" import --db "sqlite:$WORK/uplift.db" -q "$WORK"/demo/*.ndjson >/dev/null
export BENCH_INGEST_KEY
BENCH_INGEST_KEY=$("$BIN" keys create --db "sqlite:$WORK/uplift.db" --scope ingest --name bench-ingest --quiet)
READ_KEY=$("$BIN" keys create --db "sqlite:$WORK/uplift.db" --scope analyst --name bench-read --quiet)

# The config: the shipped graph and catalogs, and the 360Learning source as the e2e test sets it up.
CFG=$WORK/cfg
mkdir -p "$CFG/sources"
cp -r milestones segments content_maps targets "$CFG/"
cp tests/data/vendors/standard-webhooks/360learning.source.json "$CFG/sources/360learning.json"
export UPLIFT_360LEARNING_SECRET UPLIFT_CONFIG_DIR=$CFG
UPLIFT_360LEARNING_SECRET="whsec_$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64"))')"

UP_PORT=$(bench_free_port)
bench_start_uplift "$BIN" "sqlite:$WORK/uplift.db" "$UP_PORT" "$WORK/serve.log" --config "$CFG"
NG_PORT=$(bench_free_port)
bench_start_nginx "$WORK/nginx" "$NG_PORT" "
    client_body_buffer_size 1m;
    location / { return 204; }"
UP=http://127.0.0.1:$UP_PORT NG=http://127.0.0.1:$NG_PORT

seq=0
for kind in "${KINDS[@]}"; do
  for conns in "${CONNS[@]}"; do
    echo "==> $kind, $conns connections: nginx (reference), then uplift — up to $REQUESTS requests or ${MAX_S}s each"
    node bench/webhooks/client.mjs cell "$kind" "$NG" "$UP" "$conns" "$REQUESTS" "$MAX_S" "$WORK/people.json" "$seq" \
      > "$WORK/$kind-$conns.json"
    jq -c '{kind, concurrency, body_bytes} + (.nginx | {nginx_req_s: .req_per_s, nginx_p99: .request_ms.p99})
           + (.uplift | {uplift_req_s: .req_per_s, uplift_p50: .request_ms.p50, uplift_p99: .request_ms.p99,
                         uplift_max: .request_ms.max, over_1s, statuses, accepted, unresolved})' "$WORK/$kind-$conns.json"
    seq=$((seq + REQUESTS))
  done
done
curl -sS -H "Authorization: Bearer $READ_KEY" "$UP/v1/unresolved" > "$WORK/unresolved.json"
RSS_KIB=$(bench_rss_kib "$UPLIFT_PID")

python3 - "$WORK" "$scale" "$ACCOUNTS" "$RSS_KIB" "$MACHINE" <<'PY' > bench/results/webhooks.json
import json, sys
work, scale, accounts, rss_kib, machine = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
kinds = {"skilljar": "Skilljar COURSE_COMPLETION", "docebo": "Docebo course.enrollment.completed",
         "360learning": "360Learning course.attempt.closed (Standard Webhooks signed)"}
cells = [json.load(open(f"{work}/{k}-{c}.json")) for k in kinds for c in (4, 32)]
problems = []
for cell in cells:
    for side in ("nginx", "uplift"):
        r = cell[side]
        if r["non_2xx"] or r["transport_errors"]:
            problems.append(f"{side} {cell['kind']} x{cell['concurrency']}: {r['non_2xx']} non-2xx, "
                            f"{r['transport_errors']} transport errors (first: {r['first_refusal'] or r['first_error']})")
    u = cell["uplift"]
    if u["accepted"] != u["requests"] or u["duplicates"] or u["unresolved"] or u["rejected"]:
        problems.append(f"uplift {cell['kind']} x{cell['concurrency']}: accepted {u['accepted']} of {u['requests']}, "
                        f"duplicates {u['duplicates']}, unresolved {u['unresolved']}, rejected {u['rejected']}")
unresolved = json.load(open(f"{work}/unresolved.json"))
queued = unresolved["total"]
if queued:
    problems.append(f"uplift holds {queued} unresolved entries after the run")
if problems:
    sys.exit("bench/webhooks: " + "; ".join(problems))
comparisons = []
for cell in cells:
    u, n, label = cell["uplift"], cell["nginx"], f"{kinds[cell['kind']]} → POST {cell['path']}, {cell['concurrency']} conns"
    comparisons.append({"metric": f"webhooks {label} ({u['requests']} requests, p50 {u['request_ms']['p50']} ms)",
        "unit": "req/s", "uplift": u["req_per_s"], "reference": n["req_per_s"],
        "reference_tool": "nginx return 204, same bodies", "ratio": round(u["req_per_s"] / n["req_per_s"], 4),
        "higher_is_better": True, "goal": "reported (nginx = client+loopback ceiling)"})
    comparisons.append({"metric": f"webhooks p99 latency {label} (max {u['request_ms']['max']} ms, {u['over_1s']} over 1 s; "
                                  f"nginx p50 {n['request_ms']['p50']}, max {n['request_ms']['max']} ms)",
        "unit": "ms", "uplift": u["request_ms"]["p99"], "reference": n["request_ms"]["p99"],
        "reference_tool": "nginx return 204, same bodies", "ratio": round(u["request_ms"]["p99"] / n["request_ms"]["p99"], 4),
        "higher_is_better": False, "goal": "reported"})
out = {"benchmark": "webhooks", "scale": scale,
       "workload": {"store": "sqlite", "demo_accounts": accounts, "serve_threads": 16, "connections": [4, 32],
                    "per_cell": "at most REQUESTS or MAX_SECONDS per server", "people": "demo learners holding each vendor's id"},
       "cells": cells, "uplift_rss_mib_after": round(rss_kib / 1024, 1), "comparisons": comparisons, "machine": machine}
print(json.dumps(out, indent=2))
PY
python3 bench/lib/show.py bench/results/webhooks.json
echo "==> wrote bench/results/webhooks.json"
