// Paced ingest for bench/mixed: NDJSON event batches to POST /v1/records at a steady target rate,
// while another client measures read latency on the same server.
//   node ingest.mjs URL KEY LEARNERS_TSV RATE BATCH CONCURRENCY SECONDS ID_PREFIX OUT_JSON
//     LEARNERS_TSV: one "learner<TAB>account" a line (the store's learners); every event is about
//     a random one of them (seeded), named after one of the demo config's milestone events, dated
//     within the two hours before the run, with an id unique to the run (ID_PREFIX-n), so every
//     event is new and is committed, applied and re-evaluated — no duplicate short-cut.
//   Batch i is due at i * BATCH / RATE seconds after the start; it is sent when due over one of
//   CONCURRENCY keep-alive connections, or as soon as one is free when all are busy (the client
//   falls behind and catches up; how far behind it fell is reported). Bodies are built before the
//   clock starts. No batch is due after SECONDS; batches in flight then are awaited (30 s timeout
//   each). Writes OUT_JSON: target and achieved events/s, request latency, statuses, outcomes,
//   the largest lag behind schedule, and one [ack_epoch_ms, accepted] pair per request so the
//   caller can compute the rate inside its own measurement window.
import fs from 'node:fs';
import http from 'node:http';
import { latencySummary, request, round } from '../lib/load.mjs';

const [url, key, learnersFile, rateS, batchS, concS, secondsS, prefix, outFile] = process.argv.slice(2);
if (!outFile) { console.error('usage: ingest.mjs URL KEY LEARNERS_TSV RATE BATCH CONCURRENCY SECONDS ID_PREFIX OUT_JSON'); process.exit(2); }
const rate = Number(rateS), batch = Number(batchS), concurrency = Number(concS), seconds = Number(secondsS);

const learners = fs.readFileSync(learnersFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
let rng = 20261205;
const rand = (n) => { rng = (Math.imul(rng, 1103515245) + 12345) >>> 0; return (rng >>> 8) % n; };
const NAMES = ['login', 'user_invited', 'group_created', 'workflow_published', 'contract_completed',
  'integration_connected', 'data_manager_edit', 'ai_review_run', 'contract_imported'];
const nowEpoch = Date.now();
const batches = Math.max(1, Math.ceil((rate * seconds) / batch));
const bodies = [];
for (let b = 0; b < batches; b++) {
  let s = '';
  for (let i = 0; i < batch; i++) {
    const n = b * batch + i;
    const [learner, account] = learners[rand(learners.length)];
    const name = NAMES[n % NAMES.length];
    const props = name === 'group_created' ? { group_id: `${prefix}-g${n}` } : {};
    s += JSON.stringify({ kind: 'event', id: `${prefix}-${n}`, account, learner, name, qty: 1,
      ts: new Date(nowEpoch - 7200e3 + (n % 7000) * 1000).toISOString().replace('.000Z', 'Z'), props }) + '\n';
  }
  bodies.push(Buffer.from(s));
}
const headers = { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${key}` };
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const statuses = {}, acks = [], lat = [];
let accepted = 0, duplicates = 0, rejected = 0, sentEvents = 0, maxLagMs = 0, failures = 0, inflight = 0;
let wake = null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const t0 = performance.now();
const epochAt = (t) => performance.timeOrigin + t;
const startEpoch = epochAt(t0);
const pending = [];
for (let i = 0; i < batches; i++) {
  const due = (i * batch * 1000) / rate;
  const wait = due - (performance.now() - t0);
  if (wait > 0) await sleep(wait);
  while (inflight >= concurrency) await new Promise((r) => { wake = r; });
  maxLagMs = Math.max(maxLagMs, performance.now() - t0 - due);
  inflight++;
  sentEvents += batch;
  const s = performance.now();
  pending.push(request(agent, url, 'POST', '/v1/records', { ...headers, 'Content-Length': bodies[i].length }, bodies[i])
    .then((res) => {
      const t = performance.now();
      lat.push(t - s);
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      let ok = 0;
      if (res.status === 200 && res.body.startsWith('{')) {
        const r = JSON.parse(res.body);
        ok = r.accepted || 0; accepted += ok; duplicates += r.duplicates || 0; rejected += (r.rejected || []).length;
      }
      acks.push([Math.round(epochAt(t)), ok]);
    }, () => { failures++; statuses.error = (statuses.error || 0) + 1; })
    .finally(() => { inflight--; if (wake) { const w = wake; wake = null; w(); } }));
}
await Promise.all(pending);
const end = performance.now();
agent.destroy();
lat.sort((a, b) => a - b);
const lastAck = acks.length ? Math.max(...acks.map((a) => a[0])) : epochAt(end);
fs.writeFileSync(outFile, JSON.stringify({
  target_events_per_s: rate, batch, concurrency, seconds_planned: seconds, batches,
  events_sent: sentEvents, accepted, duplicates, rejected, failures, statuses,
  started_epoch_ms: Math.round(startEpoch), last_ack_epoch_ms: lastAck,
  seconds: round((end - t0) / 1000),
  achieved_events_per_s: Math.round(accepted / ((lastAck - startEpoch) / 1000)),
  max_lag_behind_schedule_ms: round(maxLagMs), request_ms: latencySummary(lat), acks }));
console.log(`ingest: ${accepted} of ${sentEvents} events accepted in ${round((end - t0) / 1000)} s ` +
  `(target ${rate}/s, achieved ${Math.round(accepted / ((lastAck - startEpoch) / 1000))}/s), ` +
  `request p50 ${round(lat[Math.floor(lat.length / 2)])} ms, max lag ${round(maxLagMs)} ms, statuses ${JSON.stringify(statuses)}`);
