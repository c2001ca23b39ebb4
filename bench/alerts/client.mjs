// Load client for bench/alerts.
//   node client.mjs burst URL INGEST_KEY FILE BATCH CONCURRENCY
//     POSTs the NDJSON lines of FILE to /v1/records in batches of BATCH over CONCURRENCY
//     keep-alive connections (bodies built before the clock starts). Prints JSON: records/s, when
//     the burst started and ended (epoch ms).
//   node client.mjs reads URL READ_KEY READ_ACCOUNTS PER_SECOND STOP_FILE MAX_SECONDS
//     The reader, a process of its own (so the writers' JavaScript never delays a read): GET
//     /v1/accounts/{id} of READ_ACCOUNTS (comma list) over one keep-alive connection, paced at
//     PER_SECOND (a read due while the last is still out goes as soon as it is answered), until
//     STOP_FILE exists or MAX_SECONDS pass. Prints JSON: reads, failures, p50/p99/p99.9/max (ms,
//     from when the read was due to the whole answer), how many reads went late, when reading
//     started and ended.
//   node client.mjs direct URL COUNT CONCURRENCY SECONDS SAMPLES [READY_FILE GO_FILE]
//     The reference for delivery: POSTs COUNT JSON bodies straight to URL's host (the same
//     receiver) over CONCURRENCY connections; prints the time it took and how many the
//     receiver refused (any refusal fails it). With SECONDS (not empty), the POSTs are spread
//     evenly over that long (the receiver's load of a delivery, without uplift). SAMPLES is the
//     receiver's record of a run with alerts on (GET /_received): its deliveries are sent again,
//     in turn, to their own paths on URL's host with the same bodies, the webhooks signed afresh
//     with $HOOK_SECRET (Standard Webhooks), so the receiver does the work uplift's deliveries
//     gave it (each signature verified, each Block Kit message checked). Every request is built
//     and signed before the clock starts: the client's own work is only sending. With READY_FILE
//     and GO_FILE, it writes READY_FILE once its requests are built and starts when GO_FILE
//     exists (so building them overlaps nothing that is measured).
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';

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

async function burst([url, ingestKey, file, batch, concurrency]) {
  batch = Number(batch); concurrency = Number(concurrency);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const bodies = [];
  for (let i = 0; i < lines.length; i += batch) bodies.push(Buffer.from(lines.slice(i, i + batch).join('\n') + '\n'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0, bad = 0;
  const started = Date.now(), t0 = performance.now();
  async function writer() {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await request(agent, `${url}/v1/records`, 'POST',
        { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${ingestKey}`, 'Content-Length': body.length }, body);
      if (res.status !== 200 || !res.body.includes('"rejected":[]')) bad++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, writer));
  const elapsed = performance.now() - t0, ended = Date.now();
  console.log(JSON.stringify({ records: lines.length, batches: bodies.length, failed_batches: bad, seconds: round(elapsed / 1000),
    records_per_s: round(lines.length / (elapsed / 1000), 1), started, ended }));
}

async function reads([url, readKey, readAccounts, perSecond, stopFile, maxSeconds]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const accounts = readAccounts.split(',');
  const gap = 1000 / Number(perSecond), limit = Number(maxSeconds) * 1000;
  const took = [];
  let failed = 0, late = 0;
  const started = Date.now(), t0 = performance.now();
  for (let i = 0; ; ++i) {
    const due = t0 + i * gap;
    const now = performance.now();
    if (now - t0 >= limit || (i % 25 === 0 && fs.existsSync(stopFile))) break;
    if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
    else if (now - due > gap) late++;
    // Timed from when the read was due, not from when it went: a read held up behind a slow one
    // counts its wait (else a stall would hide in the reads after it).
    const res = await request(agent, `${url}/v1/accounts/${accounts[i % accounts.length]}`, 'GET', { Authorization: `Bearer ${readKey}` });
    if (res.status === 200) took.push(performance.now() - due);
    else failed++;
  }
  const seconds = (performance.now() - t0) / 1000;
  took.sort((a, b) => a - b);
  console.log(JSON.stringify({ reads: took.length, failed, late, seconds: round(seconds), started, ended: Date.now(),
    p50_ms: round(pct(took, 50)), p99_ms: round(pct(took, 99)), p999_ms: round(pct(took, 99.9)), max_ms: round(took[took.length - 1]) }));
}

// Standard Webhooks: v1 = base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")), the secret
// being the base64 after "whsec_".
function signed(id, body) {
  const secret = Buffer.from(String(process.env.HOOK_SECRET || '').replace(/^whsec_/, ''), 'base64');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

function directRequests(url, count, samplesFile) {
  const samples = JSON.parse(fs.readFileSync(samplesFile, 'utf8'))
    .filter((e) => e.ok && e.body && (e.id || !e.path.startsWith('/hook')));
  if (!samples.length) throw new Error(`${samplesFile}: no delivered alert to send again`);
  const origin = new URL(url).origin;
  return Array.from({ length: count }, (_, i) => {
    const e = samples[i % samples.length];
    const text = JSON.stringify(e.body);
    const headers = e.path.startsWith('/hook') ? signed(e.id, text) : {};
    return { url: origin + e.path, body: Buffer.from(text), headers };
  });
}

async function direct([url, count, concurrency, seconds, samplesFile, readyFile, goFile]) {
  count = Number(count); concurrency = Number(concurrency);
  const gap = seconds ? (Number(seconds) * 1000) / count : 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const requests = directRequests(url, count, samplesFile);
  if (readyFile) {
    fs.writeFileSync(readyFile, 'ready\n');
    while (!fs.existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  let next = 0, refused = 0;
  const t0 = performance.now();
  async function worker() {
    while (next < count) {
      const i = next++;
      const due = t0 + i * gap, now = performance.now();
      if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now));
      const r = requests[i];
      const res = await request(agent, r.url, 'POST',
        { 'Content-Type': 'application/json', 'Content-Length': r.body.length, ...r.headers }, r.body);
      if (res.status !== 200) refused++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  console.log(JSON.stringify({ requests: count, seconds: round((performance.now() - t0) / 1000), refused }));
  if (refused) {
    console.error(`direct: the receiver refused ${refused} of ${count} re-sent deliveries`);
    process.exit(1);
  }
}

const [mode, ...args] = process.argv.slice(2);
await ({ burst, reads, direct })[mode](args);
