// Replica client for tests/e2e/replicas.test.sh and bench/mysql: two `uplift serve` processes on
// one database.
//
//   node client.mjs probe PORT_A PORT_B INGEST_KEY READ_KEY SAMPLES TAG DEADLINE_S
//     Convergence: SAMPLES times, post one `workflow_published` event for a fresh account to one
//     replica (alternating A->B and B->A) and poll the OTHER replica's /v1/accounts/{id} until the
//     milestone shows as achieved. Prints {"delays_ms":[...],"p50_ms","p99_ms","max_ms"}; exits 6
//     if any sample is still not visible after DEADLINE_S seconds (the assertion's bound).
//
//   node client.mjs burst PORT_A PORT_B INGEST_KEY TOTAL TAG DEADLINE_S
//     Posts TOTAL events in batches of 250, alternating batches between A and B with two requests
//     in flight per replica; a failed batch is retried with the same ids. Prints {"acked":N}.
//
// Everything is bounded: a request times out after 10 s, the whole run after DEADLINE_S.
const [mode, ...args] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const url = (port, path) => `http://127.0.0.1:${port}${path}`;

async function post(port, key, lines) {
  const res = await fetch(url(port, '/v1/records'), {
    method: 'POST', body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    signal: AbortSignal.timeout(10000),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } });
  const text = await res.text();
  if (res.status !== 200) throw Object.assign(new Error(`HTTP ${res.status}: ${text}`), { status: res.status });
  const out = JSON.parse(text);
  if ((out.rejected ?? []).length) throw new Error(`rejected: ${text}`);
  return out;
}

// Posts until acknowledged (same ids every time); gives up at the deadline.
async function postUntilAcked(port, key, lines, deadline) {
  for (;;) {
    try { return await post(port, key, lines); } catch (e) {
      if (e.status && e.status < 500) throw e;
      if (Date.now() > deadline) throw new Error(`deadline passed posting to :${port}: ${e.message}`);
      await sleep(100);
    }
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function probe([portA, portB, ingestKey, readKey, samplesArg, tag, deadlineArg]) {
  const samples = Number(samplesArg), bound = 1000 * Number(deadlineArg);
  const delays = [];
  for (let i = 0; i < samples; i++) {
    const [from, to] = i % 2 === 0 ? [portA, portB] : [portB, portA];
    const account = `rep-${tag}-${i}`;
    const ev = { kind: 'event', id: `rep-${tag}-ev-${i}`, account, name: 'workflow_published',
      ts: '2026-06-01T12:00:00Z', learner: `${account}-l0`, qty: 1, props: {} };
    const deadline = Date.now() + bound;
    await postUntilAcked(from, ingestKey, [ev], deadline);
    const t0 = performance.now();
    for (;;) {
      const res = await fetch(url(to, `/v1/accounts/${account}`), {
        headers: { authorization: `Bearer ${readKey}` }, signal: AbortSignal.timeout(10000) });
      const body = await res.json();
      if (res.status === 200 && (body.milestones ?? []).some((m) => m.id === 'workflow_published' && m.achieved)) break;
      if (res.status !== 200 && res.status !== 404) throw new Error(`GET :${to}/v1/accounts/${account}: ${res.status}`);
      if (Date.now() > deadline) {
        console.error(`sample ${i}: event written to :${from} not visible on :${to} after ${deadlineArg} s`);
        process.exit(6);
      }
      await sleep(5);
    }
    delays.push(performance.now() - t0);
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({ samples, delays_ms: delays.map(r), p50_ms: r(percentile(sorted, 50)),
    p99_ms: r(percentile(sorted, 99)), max_ms: r(sorted[sorted.length - 1]) }));
}

async function burst([portA, portB, ingestKey, totalArg, tag, deadlineArg]) {
  const total = Number(totalArg), perBatch = 250, accounts = 40;
  const deadline = Date.now() + 1000 * Number(deadlineArg);
  const names = ['workflow_published', 'group_created', 'login', 'integration_connected',
    'contract_completed', 'contract_imported', 'data_manager_edit', 'ai_review_run'];
  const batches = [];
  for (let k = 0; k * perBatch < total; k++) {
    const lines = [];
    for (let i = 0; i < perBatch && k * perBatch + i < total; i++) {
      const n = k * perBatch + i, account = `burst-${tag}-a${n % accounts}`;
      lines.push({ kind: 'event', id: `burst-${tag}-${n}`, account, name: names[(n * 7 + k) % names.length],
        ts: `2026-06-${String(1 + (n % 28)).padStart(2, '0')}T${String(n % 24).padStart(2, '0')}:00:00Z`,
        learner: `${account}-l${Math.floor(n / accounts) % 25}`, qty: 1 + (n % 5), props: { group_id: `g${Math.floor(n / 7) % 5}` } });
    }
    batches.push(lines);
  }
  let next = 0, acked = 0;
  async function worker(port) {
    while (next < batches.length) {
      const lines = batches[next++];
      await postUntilAcked(port, ingestKey, lines, deadline);
      acked += lines.length;
    }
  }
  await Promise.all([worker(portA), worker(portB), worker(portA), worker(portB)]);
  console.log(JSON.stringify({ acked, batches: batches.length }));
}

try {
  if (mode === 'probe') await probe(args);
  else if (mode === 'burst') await burst(args);
  else { console.error('usage: client.mjs probe|burst ...'); process.exit(2); }
} catch (e) {
  console.error(String(e?.stack ?? e));
  process.exit(1);
}
