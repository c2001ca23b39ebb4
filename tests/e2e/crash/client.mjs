// Crash-safety load client: posts NDJSON batches with fixed event ids to /v1/records, appends
// every acknowledged id to ACK_FILE, and retries a failed batch with the same ids until it is
// acknowledged. Bounded: BATCHES batches, and gives up after DEADLINE_S seconds. LANES (default
// 4) send concurrently, so the server commits their batches in groups (a kill lands mid-group).
import { appendFileSync } from 'node:fs';

const [port, key, ackFile, batchesArg, deadlineArg, lanesArg] = process.argv.slice(2);
const lanes = Number(lanesArg ?? 4);
const batches = Number(batchesArg ?? 60);
const deadline = Date.now() + 1000 * Number(deadlineArg ?? 240);
const accounts = 12, perBatch = 200;
const names = ['workflow_published', 'group_created', 'login', 'integration_connected',
  'contract_completed', 'contract_imported', 'data_manager_edit', 'ai_review_run'];

function batch(k) {
  const lines = [];
  for (let i = 0; i < perBatch; i++) {
    const n = k * perBatch + i;
    const account = `crash-a${n % accounts}`;
    const name = names[(n * 7 + k) % names.length];
    const day = 1 + (n % 28);
    const rec = { kind: 'event', id: `crash-${k}-${i}`, account, name,
      ts: `2026-06-${String(day).padStart(2, '0')}T${String(n % 24).padStart(2, '0')}:00:00Z`,
      learner: `${account}-l${n % 30}`, qty: 1 + (n % 5), props: { group_id: `g${n % 5}` } };
    lines.push(JSON.stringify(rec));
  }
  return { ids: lines.map((l) => JSON.parse(l).id), body: lines.join('\n') + '\n' };
}

let retries = 0;
async function lane(first) {
 for (let k = first; k < batches; k += lanes) {
  const { ids, body } = batch(k);
  for (;;) {
    if (Date.now() > deadline) { console.error(`deadline passed at batch ${k}`); process.exit(3); }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/records`, {
        method: 'POST', body, signal: AbortSignal.timeout(10000),
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        const out = JSON.parse(text);
        if ((out.rejected ?? []).length) { console.error('unexpected rejections', text); process.exit(4); }
        appendFileSync(ackFile, ids.join('\n') + '\n');
        break;
      }
      if (res.status < 500) { console.error(`batch ${k}: HTTP ${res.status} ${text}`); process.exit(5); }
    } catch { /* connection refused/reset while the server is down: retry */ }
    retries++;
    await new Promise((r) => setTimeout(r, 100));
  }
 }
}
await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
console.log(JSON.stringify({ batches, retries, lanes }));
