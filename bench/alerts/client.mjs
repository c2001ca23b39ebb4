// Load client for bench/alerts.
//   node client.mjs burst URL INGEST_KEY READ_KEY FILE BATCH CONCURRENCY READ_ACCOUNTS
//     POSTs the NDJSON lines of FILE to /v1/records in batches of BATCH over CONCURRENCY
//     keep-alive connections (bodies built before the clock starts) while one more connection
//     reads GET /v1/accounts/{id} of READ_ACCOUNTS (comma list) back to back. Prints JSON:
//     records/s, the reads' p50/p99 during the burst, when the burst started and ended (epoch ms).
//   node client.mjs direct URL COUNT CONCURRENCY
//     The reference for delivery: POSTs COUNT small JSON bodies straight to URL (the same
//     receiver) over CONCURRENCY connections; prints the time it took.
import http from 'node:http';
import fs from 'node:fs';

const pct = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : null);
const round = (x, d = 3) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

function request(agent, url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function burst([url, ingestKey, readKey, file, batch, concurrency, readAccounts]) {
  batch = Number(batch); concurrency = Number(concurrency);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const bodies = [];
  for (let i = 0; i < lines.length; i += batch) bodies.push(Buffer.from(lines.slice(i, i + batch).join('\n') + '\n'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const readAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const accounts = readAccounts.split(',');
  let next = 0, done = false, bad = 0;
  const reads = [];
  const started = Date.now(), t0 = performance.now();
  async function writer() {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await request(agent, `${url}/v1/records`, 'POST',
        { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${ingestKey}`, 'Content-Length': body.length }, body);
      if (res.status !== 200 || !res.body.includes('"rejected":[]')) bad++;
    }
  }
  async function reader() {
    let i = 0;
    while (!done) {
      const s = performance.now();
      const res = await request(readAgent, `${url}/v1/accounts/${accounts[i++ % accounts.length]}`, 'GET', { Authorization: `Bearer ${readKey}` });
      if (res.status === 200) reads.push(performance.now() - s);
    }
  }
  const r = reader();
  await Promise.all(Array.from({ length: concurrency }, writer));
  const elapsed = performance.now() - t0, ended = Date.now();
  done = true;
  await r;
  reads.sort((a, b) => a - b);
  console.log(JSON.stringify({ records: lines.length, batches: bodies.length, failed_batches: bad, seconds: round(elapsed / 1000),
    records_per_s: round(lines.length / (elapsed / 1000), 1), started, ended,
    reads: reads.length, read_p50_ms: round(pct(reads, 50)), read_p99_ms: round(pct(reads, 99)) }));
}

async function direct([url, count, concurrency]) {
  count = Number(count); concurrency = Number(concurrency);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const body = Buffer.from(JSON.stringify({ type: 'alert.fired', data: { id: 'x' } }));
  let next = 0;
  const t0 = performance.now();
  async function worker() {
    while (next++ < count) await request(agent, url, 'POST', { 'Content-Type': 'application/json', 'Content-Length': body.length }, body);
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  console.log(JSON.stringify({ requests: count, seconds: round((performance.now() - t0) / 1000) }));
}

const [mode, ...args] = process.argv.slice(2);
await ({ burst, direct })[mode](args);
