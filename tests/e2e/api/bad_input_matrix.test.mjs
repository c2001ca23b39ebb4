// The generated half of the bad-HTTP-input catalog (bad_input.test.mjs has the hand-written rows):
// injection strings in every string field of every endpoint, wrong types in every JSON field,
// path traversal in static file serving sent as raw bytes (clients normalise "..": we must not),
// slowloris clients against the server's request deadline, and the promise that nothing valid is
// lost: valid records sent in the same request as bad ones, or after them, read back intact.
// Rules: never a 5xx; every 4xx is problem+json; the server answers /healthz after each case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { env, eventually } from './lib.mjs';

const J = { 'Content-Type': 'application/json' };
const ND = { 'Content-Type': 'application/x-ndjson' };
const X = { ...J, 'X-Experience-API-Version': '1.0.3' };
const TS = '2026-03-01T12:00:00Z';

// Strings that break naive code: SQL, markup, paths, format strings, NUL, control characters,
// header injection, bidi/zero-width and a huge run of astral-plane characters.
export const INJECT = {
  sql: "x' OR '1'='1'; DROP TABLE records; --",
  sql_comment: '1; DELETE FROM entities WHERE 1=1 /*',
  html: '<script>alert(1)</script><img src=x onerror=alert(1)>',
  path: '../../../../etc/passwd',
  format: '%s%s%s%n%x{0}{}${jndi:ldap://127.0.0.1/a}',
  nul: 'a\u0000b',
  crlf: 'x\r\nSet-Cookie: injected=1',
  bidi: '\u202egnp.exe\u200b\ufeff',
  huge_unicode: '\u{1F600}\u00e9'.repeat(40000),
};
const INJECT_SHORT = Object.fromEntries(Object.entries(INJECT).map(([k, v]) => [k, k === 'huge_unicode' ? '\u{1F600}'.repeat(300) : v]));

async function healthy() {
  const res = await fetch(env.url + '/healthz');
  assert.equal(res.status, 200, 'server stopped answering /healthz');
}

// Sends one request; asserts "never 5xx, 4xx only as problem+json, status in `allowed`".
async function check(name, method, path, { key, headers = {}, body, allowed }) {
  const h = { ...headers };
  if (key) h.Authorization = `Bearer ${env[key]}`;
  const res = await fetch(env.url + path, { method, headers: h, body });
  const text = await res.text();
  assert.ok(res.status < 500, `${name}: 5xx ${res.status} ${text.slice(0, 300)}`);
  assert.ok(allowed.includes(res.status), `${name}: got ${res.status} (allowed ${allowed}) ${text.slice(0, 300)}`);
  if (res.status >= 400) {
    assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/, name);
    const p = JSON.parse(text);
    assert.equal(p.status, res.status);
    for (const k of ['type', 'title', 'detail']) assert.equal(typeof p[k], 'string', `${name}: ${k}`);
  }
  await healthy();
  return { status: res.status, text };
}

// Routes that other areas add: cases for them run once the route exists on this server.
const present = new Map();
async function routeExists(path) {
  if (!present.has(path)) {
    const res = await fetch(env.url + path, { headers: { Authorization: `Bearer ${env.admin}` } });
    const text = await res.text();
    present.set(path, !(res.status === 404 && text.includes('no resource at')));  // the router's "no route"
  }
  return present.get(path);
}

// ---- 1. injection strings in every string field of every JSON body ----------------------------
const BODY_FIELDS = [
  // [endpoint, headers, key, build(value) → body object, allowed statuses]
  ['records account.id', '/v1/records', ND, (v) => ({ kind: 'account', id: v })],
  ['records account.name', '/v1/records', ND, (v) => ({ kind: 'account', id: 'inj-acct', name: v })],
  ['records account.plan', '/v1/records', ND, (v) => ({ kind: 'account', id: 'inj-acct', plan: v })],
  ['records account.csm', '/v1/records', ND, (v) => ({ kind: 'account', id: 'inj-acct', csm: v })],
  ['records learner.email', '/v1/records', ND, (v) => ({ kind: 'learner', id: 'inj-l', account: 'inj-acct', email: v })],
  ['records learner.role', '/v1/records', ND, (v) => ({ kind: 'learner', id: 'inj-l', account: 'inj-acct', role: v })],
  ['records event.name', '/v1/records', ND, (v) => ({ kind: 'event', id: `inj-e-${v.length}`, account: 'inj-acct', name: v, ts: TS })],
  ['records completion.content', '/v1/records', ND, (v) => ({ kind: 'completion', id: `inj-c-${v.length}`, learner: 'inj-l', content: v, status: 'completed', ts: TS })],
  ['segment track.event', '/v1/track', J, (v) => ({ userId: 'inj-l', event: v, context: { groupId: 'inj-acct' }, timestamp: TS })],
  ['segment track.userId', '/v1/track', J, (v) => ({ userId: v, event: 'e', context: { groupId: 'inj-acct' }, timestamp: TS })],
  ['segment group.traits.name', '/v1/group', J, (v) => ({ userId: 'inj-l', groupId: 'inj-acct', traits: { name: v }, timestamp: TS })],
  ['segment identify.traits.email', '/v1/identify', J, (v) => ({ userId: 'inj-l', traits: { email: v, groupId: 'inj-acct' }, timestamp: TS })],
  ['xapi actor.account.name', '/xapi/statements', X, (v) => ({ actor: { account: { homePage: 'https://lms', name: v } }, verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: { id: 'https://lms.example.com/c/1' }, timestamp: TS })],
  ['xapi object.id', '/xapi/statements', X, (v) => ({ actor: { mbox: 'mailto:a@example.com' }, verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: { id: v }, timestamp: TS })],
  ['skilljar user.id', '/v1/webhooks/skilljar', J, (v) => ({ event_type: 'COURSE_COMPLETION', timestamp: TS, user: { id: v }, course: { id: 'c1' } })],
  ['skilljar course.id', '/v1/webhooks/skilljar', J, (v) => ({ event_type: 'COURSE_COMPLETION', timestamp: TS, user: { id: 'inj-l' }, course: { id: v } })],
  ['cohorts program', '/v1/cohorts', J, (v) => ({ program: v, preview: true }), 'admin'],
  ['cohorts id', '/v1/cohorts', J, (v) => ({ program: 'x', id: v, preview: true }), 'admin'],
];
for (const [name, path, headers, build, key = 'ingest'] of BODY_FIELDS) {
  for (const [kind, value] of Object.entries(INJECT)) {
    test(`inject ${kind} into ${name}`, async () => {
      const obj = build(value);
      const body = headers === ND ? JSON.stringify(obj) + '\n' : JSON.stringify(obj);
      // Data fields may legitimately hold any text: stored verbatim (2xx) or refused (4xx).
      await check(name, 'POST', path, { key, headers, body, allowed: [200, 201, 400, 404, 413, 422] });
    });
  }
}

// Stored verbatim, read back unchanged, never interpreted: an account named with each string.
test('injection strings are stored verbatim and read back unchanged (or refused with a reason)', async () => {
  const entries = Object.entries(INJECT_SHORT).filter(([k]) => k !== 'nul' && k !== 'crlf');
  const lines = entries.map(([k, v]) => JSON.stringify({ kind: 'account', id: `verbatim-${k}`, name: v, csm: v }));
  const res = await fetch(env.url + '/v1/records', { method: 'POST', headers: { ...ND, Authorization: `Bearer ${env.ingest}` }, body: lines.join('\n') + '\n' });
  const out = await res.json();
  assert.equal(res.status, 200, JSON.stringify(out));
  const refused = new Map(out.rejected.map((r) => [r.line, r]));
  assert.ok(refused.size <= 1, `only the 300-emoji value may be refused: ${JSON.stringify(out.rejected)}`);
  for (const [i, [k, v]] of entries.entries()) {
    if (refused.has(i + 1)) {
      assert.equal(k, 'huge_unicode');
      assert.ok(refused.get(i + 1).reason, 'a refusal says why');
      continue;
    }
    const got = await eventually(async () => {
      const r = await fetch(`${env.url}/v1/accounts/verbatim-${k}`, { headers: { Authorization: `Bearer ${env.analyst}` } });
      return r.status === 200 ? r.json() : null;
    });
    assert.ok(got, `verbatim-${k} not readable`);
    assert.equal(got.name, v, `name of verbatim-${k} changed`);
    assert.equal(got.csm, v);
  }
});

// ---- 2. injection strings in every query parameter and path parameter -------------------------
const QUERY_PARAMS = [
  // [path, param, key, allowed]
  ['/v1/accounts', 'q', 'analyst', [200, 400]], ['/v1/accounts', 'stage', 'analyst', [400]],
  ['/v1/accounts', 'tier', 'analyst', [200, 400]], ['/v1/accounts', 'plan', 'analyst', [200, 400]],
  ['/v1/accounts', 'csm', 'analyst', [200, 400]], ['/v1/accounts', 'sort', 'analyst', [400]],
  ['/v1/accounts', 'order', 'analyst', [400]], ['/v1/accounts', 'page', 'analyst', [400]],
  ['/v1/learners', 'account', 'analyst', [200, 400]], ['/v1/learners', 'role', 'analyst', [200, 400]],
  ['/v1/learners', 'q', 'analyst', [200, 400]], ['/v1/learners', 'per_page', 'analyst', [400]],
  ['/v1/stages', 'tier', 'analyst', [200, 400]], ['/v1/stages', 'plan', 'analyst', [200, 400]],
  ['/v1/stages', 'csm', 'analyst', [200, 400]],
  ['/v1/cohorts', 'program', 'admin', [200, 400]], ['/v1/cohorts', 'status', 'admin', [400]],
  ['/v1/reports/roi', 'quarter', 'admin', [400]], ['/v1/reports/roi', 'format', 'admin', [400]],
  ['/v1/reports/roi.html', 'quarter', 'admin', [400]],
];
for (const [path, param, key, allowed] of QUERY_PARAMS) {
  for (const kind of ['sql', 'html', 'path', 'format', 'nul', 'huge_unicode']) {
    test(`inject ${kind} into ${path}?${param}`, async () => {
      const v = INJECT_SHORT[kind];
      // A huge free-text value is over the 200-byte cap (400); short ones are merely unknown.
      const ok = kind === 'huge_unicode' ? [400] : kind === 'nul' ? [...allowed, 400] : allowed;
      await check(`${path}?${param}`, 'GET', `${path}?${param}=${encodeURIComponent(v)}`, { key, allowed: ok });
    });
  }
}

const PATH_PARAMS = [
  ['GET', '/v1/accounts/{}', 'analyst'], ['GET', '/v1/learners/{}', 'lms'], ['GET', '/v1/cohorts/{}', 'admin'],
  ['GET', '/v1/cohorts/{}/invitees.csv', 'admin'], ['GET', '/v1/cohorts/{}/invitees.json', 'admin'],
  ['POST', '/v1/cohorts/{}/send', 'admin'], ['DELETE', '/v1/cohorts/{}', 'admin'],
];
for (const [method, tpl, key] of PATH_PARAMS) {
  for (const kind of ['sql', 'html', 'path', 'format', 'nul', 'huge_unicode']) {
    test(`inject ${kind} into ${method} ${tpl}`, async () => {
      const path = tpl.replace('{}', encodeURIComponent(INJECT_SHORT[kind]));
      // Accounts with these very ids were ingested above (stored verbatim), so they may exist.
      const allowed = tpl === '/v1/accounts/{}' ? [200, 400, 404] : [400, 404];
      await check(tpl, method, path, { key, headers: method === 'POST' ? J : {}, body: method === 'POST' ? '{}' : undefined, allowed });
    });
  }
}

// ---- 3. wrong types in every field of the JSON bodies that have a schema -----------------------
const WRONG_TYPES = [
  ['cohort program number', { program: 5 }], ['cohort program missing', { capacity: 3 }],
  ['cohort program empty', { program: '' }], ['cohort capacity string', { program: 'p', capacity: 'ten' }],
  ['cohort capacity negative', { program: 'p', capacity: -1 }], ['cohort capacity huge', { program: 'p', capacity: 1e12 }],
  ['cohort capacity fraction', { program: 'p', capacity: 2.5 }], ['cohort holdout > 0.9', { program: 'p', holdout_fraction: 2 }],
  ['cohort holdout string', { program: 'p', holdout_fraction: 'half' }], ['cohort seed negative', { program: 'p', seed: -1 }],
  ['cohort seed string', { program: 'p', seed: 'abc' }], ['cohort preview string', { program: 'p', preview: 'yes' }],
  ['cohort as_of number', { program: 'p', as_of: 5 }], ['cohort as_of impossible', { program: 'p', as_of: '2026-02-30' }],
  ['cohort id with slash', { program: 'p', id: 'a/b' }], ['cohort unknown field', { program: 'p', admin: true }],
  ['cohort null body', null], ['cohort array body', [{ program: 'p' }]],
];
for (const [name, body] of WRONG_TYPES) {
  test(`wrong type: ${name}`, async () => {
    await check(name, 'POST', '/v1/cohorts', { key: 'admin', headers: J, body: JSON.stringify(body), allowed: [400, 422] });
  });
}
const RECORD_WRONG_TYPES = [
  ['account arr string', { kind: 'account', id: 'wt', arr: 'lots' }], ['account audience number', { kind: 'account', id: 'wt', audience: 3 }],
  ['account created_at bool', { kind: 'account', id: 'wt', created_at: true }], ['learner account null', { kind: 'learner', id: 'wt', account: null }],
  ['learner audience object', { kind: 'learner', id: 'wt', account: 'a', audience: {} }], ['event learner number', { kind: 'event', id: 'wt', account: 'a', name: 'n', ts: TS, learner: 7 }],
  ['completion score string', { kind: 'completion', id: 'wt', learner: 'l', content: 'c', status: 'completed', ts: TS, score: 'A+' }],
  ['completion status unknown', { kind: 'completion', id: 'wt', learner: 'l', content: 'c', status: 'sort-of', ts: TS }],
  ['attendance attended string', { kind: 'attendance', learner: 'l', program: 'p', session: 1, ts: TS, attended: 'yes' }],
  ['arr date number', { kind: 'arr', account: 'a', date: 20260101, arr: 1 }], ['renewal date object', { kind: 'renewal', account: 'a', date: {}, outcome: 'renewed' }],
  ['kind array', { kind: ['account'], id: 'wt' }],
];
for (const [name, rec] of RECORD_WRONG_TYPES) {
  test(`wrong type: records ${name}`, async () => {
    await check(name, 'POST', '/v1/records', { key: 'ingest', headers: ND, body: JSON.stringify(rec) + '\n', allowed: [400] });
  });
}

// ---- 4. endpoints other areas are adding (run once the route exists) ---------------------------
const PENDING = [
  ['/v1/segments', 'segments: per_page=0', 'GET', '/v1/segments/new_admins/members?per_page=0', 'analyst', [400, 404]],
  ['/v1/segments', 'segments: unknown id', 'GET', '/v1/segments/no-such-segment', 'analyst', [404]],
  ['/v1/segments', 'segments: injected id', 'GET', `/v1/segments/${encodeURIComponent(INJECT.sql)}`, 'analyst', [404]],
  ['/v1/segments', 'segments: POST not allowed', 'POST', '/v1/segments', 'admin', [405]],
  ['/v1/learners/x/recommendations', 'recommendations: limit=0', 'GET', '/v1/learners/x/recommendations?limit=0', 'lms', [400, 404]],
  ['/v1/learners/x/recommendations', 'recommendations: limit=abc', 'GET', '/v1/learners/x/recommendations?limit=abc', 'lms', [400, 404]],
  ['/v1/learners/x/recommendations', 'recommendations: unknown learner', 'GET', '/v1/learners/no-such-learner/recommendations', 'lms', [404]],
  ['/v1/learners/x/recommendations', 'recommendations: injected id', 'GET', `/v1/learners/${encodeURIComponent(INJECT.html)}/recommendations`, 'lms', [404]],
  ['/v1/learners/x/recommendations', 'recommendations: as_of junk', 'GET', '/v1/learners/x/recommendations?as_of=tomorrow', 'lms', [400, 404]],
];
for (const [probe, name, method, path, key, allowed] of PENDING) {
  test(name, async (t) => {
    if (!(await routeExists(probe))) return t.skip(`${probe} is not served yet`);
    await check(name, method, path, { key, allowed });
  });
}

// ---- 5. raw HTTP: traversal variants exactly as sent, malformed heads, slowloris ---------------
function rawExchange(bytes, { trickle = null, timeoutMs = 15000 } = {}) {
  return new Promise((resolve) => {
    const { port } = new URL(env.url);
    const sock = net.connect(Number(port), '127.0.0.1');
    const chunks = [];
    let timer = null;
    const done = () => {
      clearInterval(timer);
      const out = Buffer.concat(chunks).toString('latin1');
      const m = out.match(/^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/);
      resolve(m ? { status: Number(m[1]), head: m[2], body: m[3], closed: true } : { status: 0, head: '', body: out });
    };
    sock.setTimeout(timeoutMs, () => sock.destroy());
    sock.on('data', (d) => chunks.push(d));
    sock.on('close', done);
    sock.on('error', () => {});
    sock.write(bytes);
    if (trickle) {
      timer = setInterval(() => { if (!sock.destroyed) sock.write(trickle); }, 400);
    } else {
      sock.end();
    }
  });
}

const TRAVERSAL = [
  '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/etc/passwd', '/..%2f..%2fetc%2fpasswd',
  '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/%252e%252e/%252e%252e/etc/passwd', '/..%5c..%5cetc%5cpasswd',
  '/%5c..%5c..%5cetc%5cpasswd', '/.%2e/.%2e/etc/passwd', '/js/..%2f..%2f..%2fetc%2fpasswd', '/js/../../../etc/passwd',
  '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/index.html%00.js', '/....//....//etc/passwd', '/.env', '/.git/HEAD',
  '/%2egit/config', '/js/%2e%2e/%2e%2e/CMakeLists.txt', '/./index.html', '//etc/passwd', '/\\..\\..\\etc\\passwd',
  '/js/app.js%2f..%2f..%2f..%2fREADME.md',
];
for (const p of TRAVERSAL) {
  test(`static traversal (raw): ${p}`, async () => {
    const r = await rawExchange(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status >= 400 && r.status < 500, `${p}: got ${r.status} ${r.body.slice(0, 200)}`);
    assert.match(r.head, /content-type: application\/problem\+json/i, p);
    assert.ok(!/root:.*:0:0:/.test(r.body) && !/cmake_minimum_required/i.test(r.body), `${p}: leaked a file`);
    await healthy();
  });
}

const RAW_HEADS = [
  ['header without colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', [400]],
  ['header name with space', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n', [400]],
  ['header with empty name', 'GET /healthz HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n', [400]],
  ['bad line after a good keep-alive request', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nnope\r\n\r\n', [200]],
  ['bad header in a POST with a body', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 2\r\nno-colon-here\r\n\r\n{}', [400]],
];
for (const [name, bytes, first] of RAW_HEADS) {
  test(`raw: ${name} → 400 problem+json`, async () => {
    const r = await rawExchange(bytes);
    assert.ok(first.includes(r.status), `${name}: got ${r.status} ${r.body.slice(0, 200)}`);
    if (name.startsWith('bad line after')) {
      assert.match(r.body, /HTTP\/1\.1 400 /, 'the second (malformed) request is answered 400');
    } else {
      assert.match(r.head, /content-type: application\/problem\+json/i);
      assert.equal(JSON.parse(r.body).status, 400);
    }
    await healthy();
  });
}

// Strict HTTP/1.1 framing (issue 20 finding 5, 8 and the low-severity ones): each answered at once
// with its status, a problem+json body naming the cause and the security headers, and the
// connection closed — no second request parsed out of the same bytes.
const FRAMING = [
  ['two different Content-Length headers', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /more than one Content-Length/],
  ['two equal Content-Length headers', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}', 400, /more than one Content-Length/],
  ['Content-Length: -1', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400, /not a length/],
  ['Content-Length and Transfer-Encoding', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, /both Content-Length and Transfer-Encoding/],
  ['unknown transfer coding', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 501, /only transfer coding/],
  ['POST without a length', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n\r\n', 411, /must send Content-Length/],
  ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 505, /HTTP\/9\.9 is not supported/],
  ['FOO/1.1', 'GET /healthz FOO/1.1\r\nHost: x\r\n\r\n', 400, /not an HTTP version/],
  ['NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, /control character/],
  ['bare CR in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n', 400, /control character/],
  ['Content-Length with a plus sign', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}', 400, /'\+2' is not a length/],
  ['Content-Length in hex', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 0x2\r\n\r\n{}', 400, /not a length/],
  ['Content-Length as a list', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\n\r\n{}', 400, /not a length/],
  ['Content-Length with a decimal point', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 2.0\r\n\r\n{}', 400, /not a length/],
  ['Content-Length of 19 digits', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n{}', 400, /not a length/],
  ['Content-Length empty', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n{}', 400, /not a length/],
  ['two Transfer-Encoding headers', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 501, /more than one Transfer-Encoding/],
  ['Transfer-Encoding: gzip, chunked', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501, /'gzip, chunked' is not supported/],
  ['Transfer-Encoding: identity', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n', 501, /'identity' is not supported/],
  ['Transfer-Encoding and Content-Length on a GET', 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n', 400, /both Content-Length and Transfer-Encoding/],
  ['PUT without a length', 'PUT /xapi/statements?statementId=6f9619ff-8b86-d011-b42d-00cf4fc964ff HTTP/1.1\r\nHost: x\r\n\r\n', 411, /must send Content-Length/],
  ['PATCH without a length', 'PATCH /v1/accounts/a HTTP/1.1\r\nHost: x\r\n\r\n', 411, /must send Content-Length/],
  ['HTTP/2.0 in a request line', 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n', 505, /HTTP\/2\.0 is not supported/],
  ['HTTP/0.9 in a request line', 'GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n', 505, /HTTP\/0\.9 is not supported/],
  ['HTTP/1.10', 'GET /healthz HTTP/1.10\r\nHost: x\r\n\r\n', 400, /not an HTTP version/],
  ['lower-case http/1.1', 'GET /healthz http/1.1\r\nHost: x\r\n\r\n', 400, /not an HTTP version/],
  ['two spaces after the method', 'GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['a tab between method and path', 'GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['a request line without a version', 'GET /healthz\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['a method that is not a token', 'G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['NUL in the request target', 'GET /heal\u0000thz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['DEL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u007fb\r\n\r\n', 400, /control character/],
  ['ESC in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \u001b[31mred\r\n\r\n', 400, /control character/],
  ['a space before the colon', 'GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n', 400, /header name must be a token/],
  ['obsolete line folding (space)', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n', 400, /line folding/],
  ['obsolete line folding (tab)', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n', 400, /line folding/],
  ['a header name of 300 bytes', 'GET /healthz HTTP/1.1\r\nHost: x\r\n' + 'X'.repeat(300) + ': v\r\n\r\n', 431, /header name is over 256 bytes/],
  ['101 headers', 'GET /healthz HTTP/1.1\r\n' + Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n', 431, /more than 100 header lines/],
  ['a 9 KB path', 'GET /' + 'p'.repeat(9 * 1024) + ' HTTP/1.1\r\nHost: x\r\n\r\n', 414, /request line .* is over 8192 bytes/],
  ['a malformed chunk size after a good chunk', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n', 400, /malformed chunk size 'zz'/],
  ['a megabyte of blank lines and no request', '\r\n'.repeat(600 * 1024), 400, /bytes arrived without a whole request head/],
  ['a smuggled second request behind Content-Length: 0 and Transfer-Encoding', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, /both Content-Length and Transfer-Encoding/],
  // Poco's own limits used to give a bare 400 without a body or the security headers.
  ['a 9 KB header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(9 * 1024) + '\r\n\r\n', 431, /header line is over 8192 bytes/],
  ['2,000 headers', 'GET /healthz HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('') + '\r\n', 431, /more than 100 header lines/],
  ['a 100 KB URL', 'GET /healthz?q=' + 'a'.repeat(100 * 1024) + ' HTTP/1.1\r\nHost: x\r\n\r\n', 414, /request line .* is over 8192 bytes/],
];
for (const [name, bytes, status, reason] of FRAMING) {
  test(`raw framing: ${name} → ${status} at once, problem+json, connection closed`, async () => {
    const started = Date.now();
    const r = await rawExchange(bytes);
    assert.equal(r.status, status, `${name}: got ${r.status} ${r.body.slice(0, 200)}`);
    assert.ok(Date.now() - started < 2500, `${name}: answered only after ${Date.now() - started} ms (waited for a timeout)`);
    assert.match(r.head, /content-type: application\/problem\+json/i);
    assert.match(r.head, /x-content-type-options: nosniff/i);
    assert.match(r.head, /connection: close/i);
    const p = JSON.parse(r.body);
    assert.equal(p.status, status);
    assert.match(p.detail, reason);
    assert.ok(!/HTTP\/1\.1 200/.test(r.body), `${name}: a second request was parsed from the same bytes`);
    await healthy();
  });
}

// A damaged gzip body stores nothing (issue 20 finding 6: 4,840 of 5,000 lines of a cut body were
// stored and answered 200).
{
  const body = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify({ kind: 'account', id: `gzip-damaged-${i}`, name: `Gzip ${i}` })).join('\n') + '\n';
  const gz = zlib.gzipSync(body);
  const badCrc = Buffer.from(gz);
  badCrc[badCrc.length - 8] ^= 0x55;
  const damaged = [
    ['cut in half', gz.subarray(0, Math.floor(gz.length / 2)), /truncated/],
    ['bad CRC', badCrc, /incorrect data check/],
    ['trailing garbage', Buffer.concat([gz, Buffer.from('junk')]), /not valid gzip/],
  ];
  for (const [name, bytes, reason] of damaged) {
    test(`gzip body ${name} → 400 naming the damage, nothing stored`, async () => {
      const res = await fetch(`${env.url}/v1/records`, {
        method: 'POST', body: bytes,
        headers: { Authorization: `Bearer ${env.ingest}`, 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
      });
      const text = await res.text();
      assert.equal(res.status, 400, text.slice(0, 200));
      assert.match(JSON.parse(text).detail, reason);
      for (const id of ['gzip-damaged-0', 'gzip-damaged-2500']) {
        const r = await fetch(`${env.url}/v1/accounts/${id}`, { headers: { Authorization: `Bearer ${env.analyst}` } });
        assert.equal(r.status, 404, `${name}: ${id} was stored from a damaged body`);
      }
    });
  }
}

// Time sanity (issue 20 finding 3): one record dated 9999-12-31 moved the served as-of for every
// account. Records past now + 1 day or before 2000-01-01 are refused with the field and reason, the
// rest of the batch is kept, and no other account's state or any segment changes.
test('future- and ancient-dated records are refused by line; nothing else moves', async () => {
  const post = (lines) => fetch(`${env.url}/v1/records`, {
    method: 'POST', body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    headers: { Authorization: `Bearer ${env.ingest}`, 'Content-Type': 'application/x-ndjson' },
  });
  const now = new Date().toISOString();
  let res = await post([
    { kind: 'account', id: 'time-a', name: 'Time A', plan: 'business', tier: 'smb', arr: 1000 },
    { kind: 'event', id: 'time-a-1', account: 'time-a', name: 'login', ts: now },
  ]);
  assert.equal(res.status, 200, await res.text());
  const read = async () => Promise.all(['/v1/accounts/time-a', '/v1/segments', '/v1/stages'].map(async (p) => {
    const text = await eventually(async () => {
      const r = await fetch(`${env.url}${p}`, { headers: { Authorization: `Bearer ${env.admin}` } });
      return r.status === 200 ? r.text() : null;
    });
    assert.ok(text, `${p} not readable`);
    return text;
  }));
  const before = await read();
  res = await post([
    { kind: 'event', id: 'time-b-ok', account: 'time-b', name: 'login', ts: now },
    { kind: 'event', id: 'time-b-future', account: 'time-b', name: 'login', ts: '9999-12-31T23:59:59Z' },
    { kind: 'event', id: 'time-b-ancient', account: 'time-b', name: 'login', ts: '0001-01-01T00:00:00Z' },
    { kind: 'learner', id: 'time-b-u', account: 'time-b', created_at: '9000-01-01T00:00:00Z' },
  ]);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.accepted, 1);
  assert.deepEqual(body.rejected.map((r) => [r.line, r.field]), [[2, 'ts'], [3, 'ts'], [4, 'created_at']]);
  assert.match(body.rejected[0].reason, /in the future/);
  assert.match(body.rejected[1].reason, /before 2000-01-01/);
  // Only out-of-bounds records: 400, nothing stored.
  res = await post([{ kind: 'event', id: 'time-c', account: 'time-a', name: 'login', ts: '9999-12-31T23:59:59Z' }]);
  assert.equal(res.status, 400);
  assert.match(JSON.stringify(await res.json()), /in the future/);
  await eventually(async () => {
    const r = await fetch(`${env.url}/v1/accounts/time-b`, { headers: { Authorization: `Bearer ${env.admin}` } });
    return r.status === 200 || null;
  });
  const after = await read();
  // time-a, which no refused record named, reads exactly as before.
  assert.equal(after[0], before[0], 'time-a changed');
});

// Bounded answers (issue 20 finding 2): 5.1 MB of `{}` lines was answered with every rejected line
// (116 MB) and left the server at 1.8 GB. The first 100 are listed, the rest counted by reason, and
// the server's memory stays bounded over repeated worst-case bodies.
test('a body of millions of bad lines gets a bounded answer and leaves memory bounded', async () => {
  const { readFileSync } = await import('node:fs');
  const rss = () => Number((readFileSync(`/proc/${process.env.API_PID}/status`, 'utf8').match(/VmRSS:\s+(\d+)/) || [])[1]) * 1024;
  const lines = 1_700_000;
  const body = Buffer.from('{}\n'.repeat(lines));
  const before = rss();
  let peak = before;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${env.url}/v1/records`, {
      method: 'POST', body,
      headers: { Authorization: `Bearer ${env.ingest}`, 'Content-Type': 'application/x-ndjson' },
    });
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.ok(text.length < 64 * 1024, `the answer is ${text.length} bytes`);
    const p = JSON.parse(text);
    assert.equal(p.errors.length, 100);
    assert.deepEqual(p.errors.slice(0, 2).map((e) => e.line), [1, 2]);
    assert.equal(p.rejected_total, lines);
    assert.equal(Object.values(p.unlisted_by_reason).reduce((a, b) => a + b, 0), lines - 100);
    peak = Math.max(peak, rss());
  }
  // Reasons that quote the input (one distinct kind per line) are still counted in bounded space.
  const varied = Buffer.from(Array.from({ length: 150_000 }, (_, i) => `{"kind":"k${i}","id":"x"}`).join('\n') + '\n');
  const vres = await fetch(`${env.url}/v1/records`, {
    method: 'POST', body: varied, headers: { Authorization: `Bearer ${env.ingest}`, 'Content-Type': 'application/x-ndjson' },
  });
  const vtext = await vres.text();
  assert.equal(vres.status, 400);
  assert.ok(vtext.length < 64 * 1024, `the answer is ${vtext.length} bytes`);
  const vp = JSON.parse(vtext);
  assert.equal(vp.rejected_total, 150_000);
  assert.ok(Object.keys(vp.unlisted_by_reason).length <= 21, `${Object.keys(vp.unlisted_by_reason).length} reasons`);
  assert.equal(Object.values(vp.unlisted_by_reason).reduce((a, b) => a + b, 0), 150_000 - 100);
  // Bounded: well under the 2 GB one such body used to leave behind, and given back.
  assert.ok(peak - before < 512 * 1024 * 1024, `RSS grew ${((peak - before) / 1048576).toFixed(0)} MiB`);
  await healthy();
});

// Authentication before the body (issue 20, low): a request without a valid key is refused from its
// head — no `100 Continue`, no body read or inflated.
function expectExchange(head, body) {
  return new Promise((resolve) => {
    const sock = net.connect(Number(new URL(env.url).port), '127.0.0.1');
    let out = '';
    let sentBody = false;
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('data', (d) => {
      out += d.toString('latin1');
      if (!sentBody && /^HTTP\/1\.1 100 /.test(out) && out.includes('\r\n\r\n')) {
        sentBody = true;
        sock.write(body);
      }
      if (/\r\n\r\n[\s\S]*\}$/.test(out.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, ''))) sock.end();
    });
    sock.on('close', () => resolve({ out, sentBody }));
    sock.on('error', () => resolve({ out, sentBody }));
    sock.write(head);
  });
}
test('Expect: 100-continue without a valid key is answered 401 at once, not 100 Continue', async () => {
  const body = '{"kind":"account","id":"expect-no-key"}\n';
  for (const auth of ['', 'Authorization: Bearer upl_not_a_real_key_0000000000000000\r\n']) {
    const r = await expectExchange(`POST /v1/records HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/x-ndjson\r\n` +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`, body);
    assert.match(r.out, /^HTTP\/1\.1 401 /, r.out.slice(0, 200));
    assert.equal(r.sentBody, false, 'the server asked for the body');
  }
  // With a key of the wrong scope: 403, still before the body.
  const r = await expectExchange(`POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.lms}\r\n` +
    `Content-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`, body);
  assert.match(r.out, /^HTTP\/1\.1 403 /, r.out.slice(0, 200));
  // With the ingest key: 100 Continue, then the body, then 200.
  const ok = await expectExchange(`POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.ingest}\r\n` +
    `Content-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`, body);
  assert.equal(ok.sentBody, true, ok.out.slice(0, 200));
  assert.match(ok.out, /HTTP\/1\.1 200 /);
  await healthy();
});

test('a gzip bomb without a key is refused 401 before it is inflated', async () => {
  const res = await fetch(`${env.url}/v1/records`, {
    method: 'POST', body: zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)),
    headers: { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
  });
  assert.equal(res.status, 401, await res.text());
  await healthy();
});

// The server runs with --request-timeout 3 (api_bad_input.test.sh): a client trickling a byte
// every 400 ms is cut off with 408 after ~3 s, and what it sent is not ingested.
test('slowloris: a head that never ends gets 408 and the connection closed', async () => {
  const r = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\n', { trickle: 'X-Slow: 1\r\n' });
  assert.equal(r.status, 408, r.body.slice(0, 200));
  assert.match(r.head, /content-type: application\/problem\+json/i);
  await healthy();
});

test('slowloris: a body that never ends gets 408 and nothing of it is ingested', async () => {
  const head = `POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.ingest}\r\n` +
    'Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n';
  const r = await rawExchange(head + '{"kind":"account","id":"slowloris-acct"}\n', { trickle: ' ' });
  assert.equal(r.status, 408, r.body.slice(0, 200));
  assert.match(r.head, /content-type: application\/problem\+json/i);
  const res = await fetch(`${env.url}/v1/accounts/slowloris-acct`, { headers: { Authorization: `Bearer ${env.analyst}` } });
  assert.equal(res.status, 404, 'a timed-out body was ingested');
  await healthy();
});

test('slowloris: many slow connections do not starve normal requests', async () => {
  const slow = Array.from({ length: 6 }, () => rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\n', { trickle: 'X-Slow: 1\r\n' }));
  for (let i = 0; i < 5; i++) await healthy();
  const results = await Promise.all(slow);
  for (const r of results) assert.equal(r.status, 408);
});

// ---- 6. nothing valid is lost ------------------------------------------------------------------
test('valid records in the same NDJSON body as bad lines are committed and read back', async () => {
  const lines = [];
  for (const [k, v] of Object.entries(INJECT_SHORT)) {
    lines.push(JSON.stringify({ kind: 'account', id: `mixed-${k}`, name: `Mixed ${k}`, arr: 1000 }));
    lines.push(`{"kind":"account","id":${JSON.stringify(v)},"arr":"not a number"}`);  // bad
    lines.push('{"kind":"account","id":');  // truncated
  }
  const res = await fetch(env.url + '/v1/records', { method: 'POST', headers: { ...ND, Authorization: `Bearer ${env.ingest}` }, body: lines.join('\n') + '\n' });
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.equal(body.accepted, Object.keys(INJECT_SHORT).length);
  assert.equal(body.rejected.length, 2 * Object.keys(INJECT_SHORT).length);
  for (const k of Object.keys(INJECT_SHORT)) {
    const got = await eventually(async () => {
      const r = await fetch(`${env.url}/v1/accounts/mixed-${k}`, { headers: { Authorization: `Bearer ${env.analyst}` } });
      return r.status === 200 ? r.json() : null;
    });
    assert.ok(got, `mixed-${k} lost`);
    assert.equal(got.name, `Mixed ${k}`);
    assert.equal(got.arr, 1000);
  }
});

test('valid records sent after every kind of bad request are committed and read back', async () => {
  const bad = [
    ['/v1/records', ND, '{"kind":'], ['/v1/records', ND, '\u0000'], ['/v1/track', J, '{"type":'],
    ['/v1/batch', J, '[' .repeat(5000)], ['/xapi/statements', X, '{}'], ['/v1/webhooks/skilljar', J, '[]'],
  ];
  for (const [path, headers, body] of bad) {
    const r = await fetch(env.url + path, { method: 'POST', headers: { ...headers, Authorization: `Bearer ${env.ingest}` }, body });
    assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
    await r.text();
  }
  const good = [
    JSON.stringify({ kind: 'account', id: 'after-bad', name: 'After Bad', plan: 'business' }),
    JSON.stringify({ kind: 'learner', id: 'after-bad-l', account: 'after-bad', email: 'ab@example.com', role: 'admin' }),
  ].join('\n') + '\n';
  const res = await fetch(env.url + '/v1/records', { method: 'POST', headers: { ...ND, Authorization: `Bearer ${env.ingest}` }, body: good });
  assert.equal(res.status, 200, await res.text());
  const acct = await eventually(async () => {
    const r = await fetch(`${env.url}/v1/accounts/after-bad`, { headers: { Authorization: `Bearer ${env.analyst}` } });
    return r.status === 200 ? r.json() : null;
  });
  assert.equal(acct?.name, 'After Bad');
  const learner = await eventually(async () => {
    const r = await fetch(`${env.url}/v1/learners/after-bad-l`, { headers: { Authorization: `Bearer ${env.lms}` } });
    return r.status === 200 ? r.json() : null;
  });
  assert.equal(learner?.email, 'ab@example.com');
});
