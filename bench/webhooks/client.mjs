// Load client for bench/webhooks: one cell = one vendor's webhook at one connection count, sent
// first to nginx (the reference) and then to uplift — the very same bodies, in the same order, over
// the same number of keep-alive connections.
//   node client.mjs cell KIND NGINX_URL UPLIFT_URL CONCURRENCY REQUESTS MAX_SECONDS PEOPLE_FILE SEQ
//     KIND skilljar | docebo | 360learning. Each body is the vendor's recorded payload
//     (tests/data/vendors/) with its ids and times varied by a sequence number starting at SEQ, so
//     every request is a new record for uplift; the person is one of PEOPLE_FILE's learners (JSON
//     [{email, first_name, last_name, skilljar, docebo, l360}]) named the way the vendor names them.
//     Credentials from the environment: BENCH_INGEST_KEY (Skilljar: Bearer, Docebo: HTTP Basic) and
//     UPLIFT_360LEARNING_SECRET (every 360Learning delivery signed per Standard Webhooks just before
//     each server's phase, so the webhook-timestamp is fresh). Bodies and signatures are built
//     before the clock starts. Prints JSON {nginx, uplift}: requests/s, p50/p99/max latency and how
//     many requests took over 1 s, statuses, transport errors, and for uplift what its answers said
//     (accepted, duplicates, unresolved).
import http from 'node:http';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { closedLoop, latencySummary, request, round } from '../lib/load.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const VENDORS = `${ROOT}tests/data/vendors/`;
const { Webhook } = createRequire(`${ROOT}tests/e2e/`)('standardwebhooks');
const fixture = (f) => JSON.parse(fs.readFileSync(VENDORS + f, 'utf8'));
// Course ids of the shipped content map, so completions mean something to the milestones.
const CONTENT = JSON.parse(fs.readFileSync(`${ROOT}content_maps/default.json`, 'utf8')).items.map((i) => i.id);
// Every body is dated SEQ seconds before this (the demo data's "now" is 2026-11-01).
const BASE_MS = Date.parse('2026-10-31T23:00:00Z');

const hex = (n, width) => n.toString(16).padStart(width, '0');
const iso = (ms) => new Date(ms).toISOString();
const pick = (people, n) => people[(n * 7919) % people.length];  // spread over accounts

// KIND → { path, build(n, person) → body object, headers(body, n) → extra headers }.
function vendors(key) {
  const skilljar = fixture('skilljar/COURSE_ENROLLMENT.json');
  // COURSE_COMPLETION is not recorded (SOURCES.md): the enrollment's shape without the purchase.
  delete skilljar.purchase; delete skilljar.domain_access_code;
  const docebo = fixture('docebo/course.enrollment.completed.json');
  const attempt = fixture('standard-webhooks/360learning.course.attempt.closed.json');
  const secret = process.env.UPLIFT_360LEARNING_SECRET;
  const signer = secret ? new Webhook(secret) : null;
  return {
    skilljar: {
      path: '/v1/webhooks/skilljar',
      headers: () => ({ Authorization: `Bearer ${key}`, 'User-Agent': 'skilljar' }),
      build: (n, p) => {
        const course = CONTENT[n % CONTENT.length];
        // Skilljar's own format: microseconds and +00:00.
        const ts = iso(BASE_MS - n * 1000).replace('Z', `${String(n % 1000).padStart(3, '0')}+00:00`);
        return { ...skilljar, event_type: 'COURSE_COMPLETION', timestamp: ts,
                 user: { first_name: p.first_name, last_name: p.last_name, id: p.skilljar, email: p.email },
                 course: { ...skilljar.course, id: course, published_course_id: `pub-${course}`, title: course,
                           url: `http://example.skilljar.com/${course}` } };
      },
    },
    docebo: {
      path: '/v1/webhooks/docebo',
      headers: () => ({ Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }),
      build: (n, p) => {
        const at = iso(BASE_MS - n * 1000).replace('T', ' ').slice(0, 19);  // "YYYY-MM-DD HH:MM:SS"
        const enrolled = iso(BASE_MS - n * 1000 - 7 * 86400000).replace('T', ' ').slice(0, 19);
        return { ...docebo, message_id: `wh-${at.replace(/[-:]/g, '').replace(' ', '-')}-${hex(n, 8)}-3e4b-4c5d-8e9f-a0b1c2d3e4f5`,
                 payload: { ...docebo.payload, fired_at: at, completion_date: at, enrollment_date: enrolled,
                            user_id: p.docebo, username: p.email, course_id: 290 + (n % 12),
                            course_name: CONTENT[n % CONTENT.length] } };
      },
    },
    '360learning': {
      path: '/v1/webhooks/360learning',
      headers: (body, n) => {
        const id = `msg_bench${hex(n, 16)}`, now = new Date();
        return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)),
                 'webhook-signature': signer.sign(id, now, body) };
      },
      build: (n, p) => ({ ...attempt, timestamp: BASE_MS - n * 1000 + 40,
                          data: { ...attempt.data, attemptId: `691a${hex(n, 20)}`, closedAt: iso(BASE_MS - n * 1000),
                                  userId: p.l360, courseId: `507f1f77bcf86cd7${hex(n % 4096, 8)}` } }),
    },
  };
}

// One server's phase: the bodies over CONCURRENCY connections; what came back.
async function phase(url, v, bodies, concurrency, maxSeconds) {
  const base = { 'Content-Type': 'application/json' };
  const headers = bodies.map(([b, n]) => ({ ...base, ...v.headers(b, n), 'Content-Length': b.length }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = {}, said = { accepted: 0, duplicates: 0, unresolved: 0, rejected: 0, ignored: 0 };
  let errors = 0, firstError = null, firstRefusal = null;
  const { seconds, sent, latencies } = await closedLoop({ count: bodies.length, concurrency, maxSeconds,
    send: async (i) => {
      let res;
      try {
        res = await request(agent, url, 'POST', v.path, headers[i], bodies[i][0]);
      } catch (e) {
        errors++; firstError ??= e.message;
        return;
      }
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      if (res.status < 200 || res.status > 299) firstRefusal ??= `${res.status} ${res.body.slice(0, 300)}`;
      if (res.status === 200 && res.body.startsWith('{')) {
        const r = JSON.parse(res.body);
        for (const k of ['accepted', 'duplicates', 'unresolved', 'ignored']) said[k] += r[k] || 0;
        said.rejected += (r.rejected || []).length;
      }
    } });
  agent.destroy();
  const non2xx = Object.entries(statuses).reduce((a, [s, c]) => a + (s >= 200 && s <= 299 ? 0 : c), 0);
  return { requests: sent, capped: sent < bodies.length, seconds: round(seconds), req_per_s: Math.round(sent / seconds),
           request_ms: latencySummary(latencies), over_1s: latencies.filter((x) => x > 1000).length, statuses, non_2xx: non2xx, transport_errors: errors,
           first_error: firstError, first_refusal: firstRefusal, ...said };
}

async function cell([kind, nginxUrl, upliftUrl, concurrency, requests, maxSeconds, peopleFile, seq]) {
  const v = vendors(process.env.BENCH_INGEST_KEY)[kind];
  if (!v) throw new Error(`unknown kind ${kind}`);
  concurrency = Number(concurrency); requests = Number(requests); maxSeconds = Number(maxSeconds); seq = Number(seq);
  const people = JSON.parse(fs.readFileSync(peopleFile, 'utf8'));
  const bodies = [];
  for (let i = 0; i < requests; i++) {
    const n = seq + i;
    bodies.push([Buffer.from(JSON.stringify(v.build(n, pick(people, n)))), n]);
  }
  const bodyBytes = Math.round(bodies.reduce((a, [b]) => a + b.length, 0) / bodies.length);
  const nginx = await phase(nginxUrl, v, bodies, concurrency, maxSeconds);
  const uplift = await phase(upliftUrl, v, bodies, concurrency, maxSeconds);
  console.log(JSON.stringify({ kind, path: v.path, concurrency, requests_planned: requests, max_seconds: maxSeconds,
                               body_bytes: bodyBytes, nginx, uplift }));
}

const [mode, ...args] = process.argv.slice(2);
if (mode !== 'cell') { console.error('usage: client.mjs cell KIND NGINX_URL UPLIFT_URL CONCURRENCY REQUESTS MAX_SECONDS PEOPLE_FILE SEQ'); process.exit(2); }
cell(args).catch((e) => { console.error(`client: ${e.message}`); process.exit(1); });
