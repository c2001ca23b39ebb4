// Load client for bench/api_ingest: the same client drives uplift and the nginx reference.
//   node client.mjs throughput URL PATH FORMAT KEY EVENTS BATCH CONCURRENCY ACCOUNTS ID_PREFIX MAX_SECONDS [FIRST_DATE]
//     FORMAT ndjson (canonical records, POST /v1/records) | segment (Segment {"batch": [...]}).
//     Event n is dated FIRST_DATE + n seconds (default 2026-11-20T00:00:00Z).
//     Every event id is unique (ID_PREFIX-n), so uplift commits every one (no duplicate
//     short-cut). Bodies are built before the clock starts; each is sent exactly once, over
//     CONCURRENCY keep-alive connections; no new batch starts after MAX_SECONDS (the rate counts
//     the events actually sent). Prints JSON: events/s, request latency, statuses.
//   node client.mjs freshness URL INGEST_KEY READ_KEY PROBES ID_PREFIX
//     Creates PROBES fresh accounts, then one probe at a time: POST an event that reaches the
//     `workflow_published` milestone, then GET /v1/accounts/{id} until that milestone shows
//     achieved. Prints p50/p99 of accepted (2xx received) → visible and sent → visible, in ms.
import http from 'node:http';
import { closedLoop, latencySummary, pct, request, round } from '../lib/load.mjs';

const EVENT_NAMES = ['login', 'user_invited', 'group_created', 'workflow_published', 'contract_completed',
  'integration_connected', 'data_manager_edit', 'ai_review_run', 'contract_imported'];
const BASE_TS = Date.parse('2026-11-20T00:00:00Z');

// Event n is dated `base` + n seconds (base: BASE_TS unless the run names another).
function eventFields(prefix, n, accounts, base = BASE_TS) {
  const acct = `acct-${String((n * 7919) % accounts + 1).padStart(5, '0')}`;
  const name = EVENT_NAMES[n % EVENT_NAMES.length];
  return { id: `${prefix}-${n}`, account: acct, learner: `${acct}-u01`, name,
           ts: new Date(base + n * 1000).toISOString().replace('.000Z', 'Z'),
           props: name === 'group_created' ? { group_id: `g-${n}` } : {} };
}

function buildBody(format, prefix, first, count, accounts, base) {
  if (format === 'ndjson') {
    let s = '';
    for (let n = first; n < first + count; n++) s += JSON.stringify({ kind: 'event', ...eventFields(prefix, n, accounts, base) }) + '\n';
    return Buffer.from(s);
  }
  const batch = [];
  for (let n = first; n < first + count; n++) {
    const e = eventFields(prefix, n, accounts, base);
    batch.push({ type: 'track', messageId: e.id, userId: e.learner, event: e.name, properties: e.props,
                 context: { groupId: e.account }, timestamp: e.ts });
  }
  return Buffer.from(JSON.stringify({ batch }));
}

async function throughput([url, path, format, key, events, batch, concurrency, accounts, prefix, maxSeconds = '600',
                           firstDate = '']) {
  events = Number(events); batch = Number(batch); concurrency = Number(concurrency); accounts = Number(accounts);
  const base = firstDate ? Date.parse(firstDate) : BASE_TS;
  if (Number.isNaN(base)) throw new Error(`FIRST_DATE ${firstDate}: not an ISO 8601 time`);
  const bodies = [];
  for (let first = 0; first < events; first += batch) bodies.push([buildBody(format, prefix, first, Math.min(batch, events - first), accounts, base), Math.min(batch, events - first)]);
  const headers = { 'Content-Type': format === 'ndjson' ? 'application/x-ndjson' : 'application/json',
                    Authorization: format === 'ndjson' ? `Bearer ${key}` : `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = {}; let accepted = 0, duplicates = 0, rejected = 0, sent = 0, sentBytes = 0;
  const bytes = bodies.reduce((a, [b]) => a + b.length, 0);
  const { seconds: secs, latencies: lat } = await closedLoop({ count: bodies.length, concurrency, maxSeconds: Number(maxSeconds),
    send: async (i) => {
      const [body, count] = bodies[i];
      sent += count; sentBytes += body.length;
      const res = await request(agent, url, 'POST', path, { ...headers, 'Content-Length': body.length }, body);
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      if (res.status === 200 && res.body.startsWith('{')) {
        const r = JSON.parse(res.body);
        accepted += r.accepted || 0; duplicates += r.duplicates || 0; rejected += (r.rejected || []).length;
      }
    } });
  agent.destroy();
  console.log(JSON.stringify({ format, path, events: sent, events_planned: events, batch, concurrency, requests: lat.length,
    body_bytes: sentBytes, batch_body_bytes: Math.round(bytes / bodies.length), capped: sent < events,
    seconds: round(secs), events_per_s: Math.round(sent / secs), mib_per_s: round(sentBytes / 1048576 / secs, 1),
    first_event_ts: new Date(base).toISOString(), request_ms: latencySummary(lat), statuses, accepted, duplicates, rejected }));
}

async function freshness([url, ingestKey, readKey, probes, prefix]) {
  probes = Number(probes);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const ing = { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${ingestKey}` };
  const rd = { Authorization: `Bearer ${readKey}` };
  let setup = '';
  for (let i = 0; i < probes; i++) setup += JSON.stringify({ kind: 'account', id: `${prefix}-a${i}`, name: `probe ${i}` }) + '\n';
  const made = await request(agent, url, 'POST', '/v1/records', ing, setup);
  if (made.status !== 200) throw new Error(`creating probe accounts: ${made.status} ${made.body}`);
  const ackToVisible = [], sentToVisible = [], polls = [];
  for (let i = 0; i < probes; i++) {
    const acct = `${prefix}-a${i}`;
    const body = JSON.stringify({ kind: 'event', id: `${prefix}-e${i}`, account: acct, name: 'workflow_published',
                                  ts: new Date(BASE_TS + i * 1000).toISOString() }) + '\n';
    const t0 = performance.now();
    const res = await request(agent, url, 'POST', '/v1/records', ing, body);
    const tAck = performance.now();
    if (res.status !== 200 || !res.body.includes('"accepted":1')) throw new Error(`probe ${i}: ${res.status} ${res.body}`);
    let n = 0;
    for (;;) {
      n++;
      const g = await request(agent, url, 'GET', `/v1/accounts/${acct}`, rd);
      if (g.status === 200) {
        const m = JSON.parse(g.body).milestones.find((x) => x.id === 'workflow_published');
        if (m && m.achieved) break;
      } else if (g.status !== 404) throw new Error(`probe ${i}: GET ${g.status} ${g.body}`);
      if (performance.now() - t0 > 10000) throw new Error(`probe ${i}: milestone not visible after 10 s`);
    }
    const tVis = performance.now();
    ackToVisible.push(tVis - tAck); sentToVisible.push(tVis - t0); polls.push(n);
  }
  agent.destroy();
  const summary = (xs) => { const s = [...xs].sort((a, b) => a - b); return { p50: round(pct(s, 50)), p99: round(pct(s, 99)), max: round(s[s.length - 1]), mean: round(s.reduce((a, b) => a + b, 0) / s.length) }; };
  console.log(JSON.stringify({ probes, accepted_to_visible_ms: summary(ackToVisible), sent_to_visible_ms: summary(sentToVisible),
                               gets_until_visible: summary(polls) }));
}

const [mode, ...args] = process.argv.slice(2);
const run = { throughput, freshness }[mode];
if (!run) { console.error('usage: client.mjs throughput|freshness ...'); process.exit(2); }
run(args).catch((e) => { console.error(`client: ${e.message}`); process.exit(1); });
