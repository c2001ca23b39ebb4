// Outage load client for tests/e2e/outage.test.sh: a bounded write load against `uplift serve`
// while its database goes away and comes back.
//
//   node client.mjs PORT INGEST_KEY ACK_FILE STOP_FILE DEADLINE_S
//
// Posts batches of 50 events with fixed ids (`out-<batch>-<i>`), one at a time, ~20 ms apart. A
// batch that is not acknowledged is retried with the same ids. Every acknowledged id is appended
// to ACK_FILE. Every 503 must be application/problem+json with a Retry-After header; any other
// status, a malformed 503 or a failed connection (uplift itself must stay up) is counted.
// Stops when STOP_FILE exists (after the current batch) or at the deadline; prints a JSON summary.
import { appendFileSync, existsSync } from 'node:fs';

const [port, key, ackFile, stopFile, deadlineArg] = process.argv.slice(2);
const deadline = Date.now() + 1000 * Number(deadlineArg ?? 60);
const perBatch = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const summary = { acked_batches: 0, ok: 0, unavailable: 0, malformed_503: [], other: [], connection_errors: 0 };

function batch(k) {
  const lines = [];
  for (let i = 0; i < perBatch; i++) {
    const n = k * perBatch + i, account = `out-a${n % 8}`;
    lines.push(JSON.stringify({ kind: 'event', id: `out-${k}-${i}`, account,
      name: ['login', 'group_created', 'contract_completed', 'workflow_published'][n % 4],
      ts: `2026-07-${String(1 + (n % 28)).padStart(2, '0')}T10:00:00Z`, learner: `${account}-l${n % 12}`,
      qty: 1, props: { group_id: `g${n % 4}` } }));
  }
  return { ids: lines.map((_, i) => `out-${k}-${i}`), body: lines.join('\n') + '\n' };
}

for (let k = 0; !existsSync(stopFile); k++) {
  const { ids, body } = batch(k);
  for (;;) {
    if (Date.now() > deadline) {
      console.log(JSON.stringify({ ...summary, deadline_passed: true }));
      process.exit(3);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/records`, {
        method: 'POST', body, signal: AbortSignal.timeout(10000),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } });
      const text = await res.text();
      if (res.status === 200) {
        summary.ok++;
        appendFileSync(ackFile, ids.join('\n') + '\n');
        summary.acked_batches++;
        break;
      }
      if (res.status === 503) {
        summary.unavailable++;
        const type = res.headers.get('content-type') ?? '';
        if (!type.startsWith('application/problem+json') || !res.headers.get('retry-after') ||
            JSON.parse(text).status !== 503)
          summary.malformed_503.push({ type, retry_after: res.headers.get('retry-after'), body: text.slice(0, 200) });
      } else {
        summary.other.push({ status: res.status, body: text.slice(0, 200) });
      }
    } catch (e) {
      summary.connection_errors++;
    }
    await sleep(100);
  }
  await sleep(20);
}
console.log(JSON.stringify(summary));
