// Mixed-load client for bench/soak: open-loop, fixed-rate request streams against one
// `uplift serve`, for a bounded number of seconds, recording per-window latency and statuses.
//   node client.mjs CONFIG_JSON OUT_JSON
// CONFIG: {url, ingest_key, read_key, admin_key, learners_file, accounts, seconds, window_s, connections,
//          streams: {ingest: {per_s, batch}, recommend: {per_s, path}, account: {per_s}, report: {per_s, path}}}
// Ingest sends batches of new events (ids unique to this run); every 5th batch re-sends an earlier
// one, as a retrying client would (all duplicates). Every request has a 30 s timeout; a request
// still in flight when time is up is counted. OUT: {windows: [{t0, counts, statuses, p50, p99 by
// stream and overall}], totals}.
import fs from 'node:fs';
import http from 'node:http';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const outFile = process.argv[3];
const learners = fs.readFileSync(cfg.learners_file, 'utf8').split('\n').filter(Boolean);
const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.connections || 12 });
const t0 = performance.now();
const windowMs = cfg.window_s * 1000;
const endMs = cfg.seconds * 1000;
const windows = [];
const runTag = `soak-${process.pid}-${Date.now()}`;
let rngState = 12345;
const rand = (n) => { rngState = (Math.imul(rngState, 1103515245) + 12345) >>> 0; return (rngState >>> 8) % n; };

function record(stream, status, ms) {
  const w = Math.floor((performance.now() - t0) / windowMs);
  while (windows.length <= w) windows.push({ index: windows.length, lat: {}, statuses: {} });
  const win = windows[w];
  (win.lat[stream] ||= []).push(ms);
  const key = `${stream}:${status}`;
  win.statuses[key] = (win.statuses[key] || 0) + 1;
}

function send(stream, method, path, headers, body) {
  const s = performance.now();
  return new Promise((resolve) => {
    const req = http.request(cfg.url + path, { agent, method, headers }, (res) => {
      res.resume();
      res.on('end', () => { record(stream, res.statusCode, performance.now() - s); resolve(res.statusCode); });
    });
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.on('error', () => { record(stream, 'error', performance.now() - s); resolve('error'); });
    req.end(body);
  });
}

const names = ['login', 'user_invited', 'group_created', 'workflow_published', 'contract_completed', 'data_manager_edit', 'ai_review_run'];
let batchNo = 0;
const sentBatches = [];
function ingestBody(batch) {
  if (batchNo % 5 === 4 && sentBatches.length) { batchNo++; return sentBatches[rand(sentBatches.length)]; }
  let s = '';
  for (let i = 0; i < batch; i++) {
    const n = batchNo * batch + i;
    const acct = `acct-${String(rand(cfg.accounts) + 1).padStart(5, '0')}`;
    const name = names[n % names.length];
    s += JSON.stringify({ kind: 'event', id: `${runTag}-${n}`, account: acct, learner: `${acct}-u01`, name,
      ts: new Date(Date.parse('2026-11-02T00:00:00Z') + n * 1000).toISOString(),
      props: name === 'group_created' ? { group_id: `sg-${n}` } : {} }) + '\n';
  }
  batchNo++;
  if (sentBatches.length < 50) sentBatches.push(s);
  return s;
}

const streams = {
  ingest: (o) => send('ingest', 'POST', '/v1/records', { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${cfg.ingest_key}` }, ingestBody(o.batch)),
  recommend: (o) => send('recommend', 'GET', o.path.replace('%s', learners[rand(learners.length)]), { Authorization: `Bearer ${cfg.read_key}` }),
  account: () => send('account', 'GET', `/v1/accounts/acct-${String(rand(cfg.accounts) + 1).padStart(5, '0')}`, { Authorization: `Bearer ${cfg.read_key}` }),
  report: (o) => send('report', 'GET', o.path, { Authorization: `Bearer ${cfg.admin_key}` }),
};

// Open loop: each stream fires at its rate whether or not earlier requests finished (bounded
// by 256 in flight per stream, so a stalled server cannot make the client grow without limit).
const inflight = {};
let skipped = 0;
const timers = [];
for (const [name, opts] of Object.entries(cfg.streams)) {
  if (!opts || !opts.per_s) continue;
  inflight[name] = 0;
  const fire = () => {
    if (performance.now() - t0 >= endMs) return;
    if (inflight[name] >= 256) { skipped++; return; }
    inflight[name]++;
    streams[name](opts).finally(() => inflight[name]--);
  };
  timers.push(setInterval(fire, 1000 / opts.per_s));
}

const pct = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : null);
const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
setTimeout(async () => {
  timers.forEach(clearInterval);
  const deadline = performance.now() + 35000;
  while (Object.values(inflight).some((n) => n > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  const totals = { requests: 0, statuses: {}, skipped };
  const out = windows.map((w) => {
    const all = Object.values(w.lat).flat().sort((a, b) => a - b);
    const by = {};
    for (const [k, v] of Object.entries(w.lat)) { v.sort((a, b) => a - b); by[k] = { n: v.length, p50: r3(pct(v, 50)), p99: r3(pct(v, 99)) }; }
    for (const [k, v] of Object.entries(w.statuses)) totals.statuses[k] = (totals.statuses[k] || 0) + v;
    totals.requests += all.length;
    return { index: w.index, t0_s: w.index * cfg.window_s, n: all.length, p50: r3(pct(all, 50)), p99: r3(pct(all, 99)),
             max: r3(all[all.length - 1]), streams: by, statuses: w.statuses };
  });
  fs.writeFileSync(outFile, JSON.stringify({ windows: out, totals, ingest_batches: batchNo }, null, 1));
  process.exit(0);
}, endMs);
