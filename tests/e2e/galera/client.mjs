// Load client for tests/e2e/galera.test.sh and bench/galera: concurrent writers through several
// `uplift serve` processes, each on a different node of a Galera cluster.
//
//   node client.mjs write TAG SECONDS_MAX KEY PORT... [--events N] [--workers W] [--shared S]
//     W workers post N events in all (single events and batches of 1..20), round-robin over the
//     ports. Accounts: S shared ones every worker writes to, plus one of each worker's own; a
//     tenth of the events repeat an id already sent (to another port), so duplicates cross
//     servers; a seventh of the lines are account records renamed each time (the latest version
//     must win on every server). A 503 must carry Retry-After; it is retried with the same ids until acknowledged.
//     Any other 5xx, or a 503 without Retry-After, is a failure. A connection refused/reset (a
//     server being killed) is retried on the next port.
//     Prints {"acked": [ids…], "requests", "retried_503", "refused", "bad": [..], "p50_ms", "p99_ms",
//     "ms"} and exits 1 when `bad` is not empty or not everything was acknowledged in time.
//
//   node client.mjs read TAG SECONDS KEY PORT...
//     Reads GET /v1/accounts/gal-TAG-own-0 round-robin over the ports, one request at a time,
//     for SECONDS or until the file $STOP_FILE exists; prints {"reads", "errors", "p50_ms", "p99_ms"}
//     (the read side during a load).
//
//   node client.mjs failover TAG SECONDS KEY PORT
//     Writes one event at a time (10 ms apart) for SECONDS, each retried with the same id until
//     acknowledged; prints {"writes", "failed_attempts", "longest_gap_ms"}: the longest time
//     between two acknowledged writes — while a node is killed, the time to fail over.
const [mode, tag, secondsArg, key, ...rest] = process.argv.slice(2);
const ports = rest.filter((a, i) => !a.startsWith('--') && !(rest[i - 1] || '').startsWith('--'));
const opt = (name, dflt) => { const i = rest.indexOf(`--${name}`); return i >= 0 ? Number(rest[i + 1]) : dflt; };
import { existsSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(port, lines) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/records`, {
    method: 'POST', body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    signal: AbortSignal.timeout(15000),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
}

async function write() {
  const total = opt('events', 2000), workers = opt('workers', 8), shared = opt('shared', 4);
  const deadline = Date.now() + 1000 * Number(secondsArg);
  const acked = new Set(), sent = [], bad = [], lat = [];
  let requests = 0, retried = 0, refused = 0, next = 0, turn = 0;
  const t0 = performance.now();
  async function worker(w) {
    while (next < total) {
      const n = Math.min(total - next, [1, 1, 1, 5, 20][next % 5]);
      const lines = [];
      for (let i = 0; i < n; i++) {
        const k = next++;
        const account = k % 2 ? `gal-${tag}-shared-${k % shared}` : `gal-${tag}-own-${w}`;
        if (k % 7 === 3) {  // the account record too, renamed each time: servers must agree on the latest
          lines.push({ kind: 'account', id: account, name: `${account} v${k}`, plan: ['pro', 'team'][k % 2] });
          continue;
        }
        const repeat = k % 10 === 9 && sent.length;  // an id sent before, maybe through another server
        const id = repeat ? sent[(k * 7919) % sent.length] : `gal-${tag}-${k}`;
        if (!repeat) sent.push(id);
        lines.push({ kind: 'event', id, account, name: ['workflow_published', 'group_created', 'user_invited'][k % 3],
          ts: new Date(Date.UTC(2026, 5, 1) + (k % 500) * 60000).toISOString(), learner: `${account}-l${k % 3}`, qty: 1, props: {} });
      }
      for (let attempt = 0; ; attempt++) {
        const port = ports[(turn++ + attempt) % ports.length];
        const s = performance.now();
        let r;
        try { r = await post(port, lines); requests++; } catch (e) {
          refused++;
          if (Date.now() > deadline) { bad.push(`deadline: ${e.message}`); return; }
          await sleep(50);
          continue;
        }
        if (r.status === 200) {
          lat.push(performance.now() - s);
          const body = JSON.parse(r.text);
          if ((body.rejected ?? []).length) bad.push(`rejected: ${r.text.slice(0, 200)}`);
          for (const l of lines) if (l.kind === 'event') acked.add(l.id);
          break;
        }
        if (r.status === 503 && r.retryAfter) {
          retried++;
          if (Date.now() > deadline) { bad.push(`deadline after 503: ${r.text.slice(0, 200)}`); return; }
          await sleep(20 + Math.random() * 80);
          continue;
        }
        bad.push(`HTTP ${r.status} (Retry-After ${r.retryAfter}) from :${port}: ${r.text.slice(0, 300)}`);
        return;
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.ceil(p / 100 * lat.length) - 1)] * 10) / 10 : null);
  const out = { acked: [...acked].sort(), distinct_sent: sent.length, requests, retried_503: retried, refused, bad,
    p50_ms: pct(50), p99_ms: pct(99), ms: Math.round(performance.now() - t0) };
  console.log(JSON.stringify(out));
  if (bad.length || acked.size !== sent.length) process.exit(1);
}

async function read() {
  const until = Date.now() + 1000 * Number(secondsArg), lat = [];
  let errors = 0, i = 0;
  const stop = process.env.STOP_FILE;
  while (Date.now() < until && !(stop && existsSync(stop))) {
    const s = performance.now();
    try {
      const res = await fetch(`http://127.0.0.1:${ports[i++ % ports.length]}/v1/accounts/gal-${tag}-own-0`, {
        headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10000) });
      await res.text();
      if (res.status === 200) lat.push(performance.now() - s);
      else if (res.status !== 404) errors++;  // 404: the writers have not created the account yet
    } catch { errors++; }
  }
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.ceil(p / 100 * lat.length) - 1)] * 100) / 100 : null);
  console.log(JSON.stringify({ reads: lat.length, errors, p50_ms: pct(50), p99_ms: pct(99) }));
}

async function failover() {
  const until = Date.now() + 1000 * Number(secondsArg);
  let writes = 0, failed = 0, last = performance.now(), longest = 0;
  while (Date.now() < until) {
    const line = { kind: 'event', id: `gal-${tag}-f${writes}`, account: `gal-${tag}-own-0`, name: 'user_invited',
      ts: '2026-06-01T00:00:00Z', learner: `gal-${tag}-l`, qty: 1, props: {} };
    let r;
    try { r = await post(ports[0], [line]); } catch { r = { status: 0 }; }
    if (r.status === 200) {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      writes++;
      await sleep(10);
    } else {
      failed++;
      await sleep(10);
    }
  }
  longest = Math.max(longest, performance.now() - last);  // a server that never recovered counts whole
  console.log(JSON.stringify({ writes, failed_attempts: failed, longest_gap_ms: Math.round(longest) }));
}

if (mode === 'write') await write();
else if (mode === 'read') await read();
else if (mode === 'failover') await failover();
else { console.error('usage: client.mjs write|read|failover TAG SECONDS KEY PORT... [--events N] [--workers W] [--shared S]'); process.exit(2); }
