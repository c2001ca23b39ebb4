// Real clients against a real server: @segment/analytics-node (unchanged, host pointed at us),
// the @xapi/xapi client, and curl posting a Skilljar-style webhook. What they send must show up
// in the read API: a milestone reached with the event's time, completions and attendance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Analytics } from '@segment/analytics-node';
import XAPI from '@xapi/xapi';
import { api, env, eventually } from './lib.mjs';

const T0 = '2026-03-02T09:00:00.000Z';

test('@segment/analytics-node: group, identify, track → milestone reached, visible via GET', async () => {
  const analytics = new Analytics({ writeKey: env.ingest, host: env.url, flushAt: 5, flushInterval: 200, maxRetries: 0 });
  const statuses = [];
  const errors = [];
  analytics.on('http_response', (r) => statuses.push(r.status));
  analytics.on('error', (e) => errors.push(e));
  analytics.group({ userId: 'seg-ana', groupId: 'seg-acme', traits: { name: 'Acme (Segment)', plan: 'enterprise', tier: 'upmarket', csm: 'ana' } });
  analytics.identify({ userId: 'seg-ana', traits: { email: 'seg-ana@acme.test', role: 'admin', groupId: 'seg-acme' } });
  analytics.identify({ userId: 'seg-bo', traits: { email: 'seg-bo@acme.test', role: 'legal', groupId: 'seg-acme' } });
  analytics.track({ userId: 'seg-ana', event: 'workflow_published', messageId: 'seg-msg-1', timestamp: T0,
    properties: { workflow: 'nda' }, context: { groupId: 'seg-acme' } });
  for (let i = 1; i <= 2; i++) {
    analytics.track({ userId: 'seg-bo', event: 'group_created', messageId: `seg-grp-${i}`,
      timestamp: `2026-03-0${2 + i}T10:00:00.000Z`, properties: { group_id: `g${i}` }, context: { groupId: 'seg-acme' } });
  }
  await analytics.closeAndFlush({ timeout: 20000 });
  assert.deepEqual(errors, []);
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `statuses ${statuses}`);

  // A 2xx means committed: the state is visible right after, no polling needed.
  const acct = await api('GET', '/v1/accounts/seg-acme', { key: env.analyst });
  assert.equal(acct.status, 200);
  assert.equal(acct.body.name, 'Acme (Segment)');
  assert.equal(acct.body.tier, 'upmarket');
  const wp = acct.body.milestones.find((m) => m.id === 'workflow_published');
  assert.equal(wp.achieved, true);
  assert.equal(wp.achieved_at, '2026-03-02T09:00:00Z');  // the event's time, not the import time
  const groups = acct.body.milestones.find((m) => m.id === 'three_groups');
  assert.equal(groups.achieved, false);
  assert.equal(groups.progress.current, 2);
  assert.equal(groups.progress.target, 3);
  assert.ok(acct.body.frontier.includes('three_groups'));
  assert.deepEqual(acct.body.learners.sort(), ['seg-ana', 'seg-bo']);

  const bo = await api('GET', '/v1/learners/seg-bo', { key: env.lms });
  assert.equal(bo.body.role, 'legal');
  assert.equal(bo.body.account, 'seg-acme');
});

test('Segment retries never duplicate: the same messageId twice is a duplicate', async () => {
  const msg = { type: 'track', userId: 'seg-ana', event: 'group_created', messageId: 'seg-grp-3',
    timestamp: '2026-03-06T10:00:00Z', properties: { group_id: 'g3' }, context: { groupId: 'seg-acme' } };
  const basic = 'Basic ' + Buffer.from(env.ingest + ':').toString('base64');
  const first = await api('POST', '/v1/batch', { json: { batch: [msg] }, headers: { Authorization: basic } });
  assert.deepEqual([first.status, first.body.accepted, first.body.duplicates], [200, 1, 0]);
  const again = await api('POST', '/v1/batch', { json: { batch: [msg, msg] }, headers: { Authorization: basic } });
  assert.deepEqual([again.status, again.body.accepted, again.body.duplicates], [200, 0, 2]);
  const acct = await api('GET', '/v1/accounts/seg-acme', { key: env.analyst });
  const groups = acct.body.milestones.find((m) => m.id === 'three_groups');
  assert.equal(groups.achieved, true);
  assert.equal(groups.achieved_at, '2026-03-06T10:00:00Z');
});

test('Segment partial batch: valid messages committed, bad ones listed by position', async () => {
  const good = { type: 'track', userId: 'seg-ana', event: 'contract_completed', messageId: 'seg-part-1',
    timestamp: T0, context: { groupId: 'seg-acme' } };
  const bad = { type: 'track', userId: 'seg-ana', event: 'contract_completed', messageId: 'seg-part-2', timestamp: T0 };
  const res = await api('POST', '/v1/batch', { key: env.ingest, json: { batch: [good, bad] } });
  assert.equal(res.status, 200);
  assert.equal(res.body.accepted, 1);
  assert.equal(res.body.rejected.length, 1);
  assert.equal(res.body.rejected[0].line, 2);
});

test('gzip-compressed bodies are accepted', async () => {
  const { gzipSync } = await import('node:zlib');
  const line = JSON.stringify({ kind: 'account', id: 'gz-acct', name: 'Gzip Inc' }) + '\n';
  const res = await api('POST', '/v1/records', { key: env.ingest, raw: gzipSync(line),
    headers: { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.accepted, 1);
  assert.equal((await api('GET', '/v1/accounts/gz-acct', { key: env.analyst })).body.name, 'Gzip Inc');
});

test('@xapi/xapi: completed and attended statements → completions and attendance', async () => {
  const xapi = new XAPI({ endpoint: `${env.url}/xapi/`, auth: XAPI.toBasicAuth(env.ingest, '') });
  const about = await xapi.getAbout();
  assert.ok(about.data.version.includes('1.0.3'));
  const actor = { objectType: 'Agent', name: 'Ana', mbox: 'mailto:seg-ana@acme.test' };
  const sent = await xapi.sendStatement({ statement: {
    actor, verb: XAPI.Verbs.COMPLETED, timestamp: '2026-03-03T15:00:00Z',
    object: { objectType: 'Activity', id: 'https://lms.example.com/courses/clm-101' },
    result: { score: { scaled: 0.9 } },
  } });
  assert.equal(sent.status, 200);
  assert.equal(sent.data.length, 1);
  const attended = {
    actor, verb: { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } },
    timestamp: '2026-03-04T16:00:00Z',
    object: { objectType: 'Activity', id: 'https://lms.example.com/live/accelerator-1' },
    context: { extensions: { 'https://uplift.dev/xapi/program': 'data_manager_accelerator', 'https://uplift.dev/xapi/session': 1 } },
  };
  const sent2 = await xapi.sendStatements({ statements: [attended] });
  assert.equal(sent2.status, 200);

  const ana = await api('GET', '/v1/learners/seg-ana', { key: env.lms });
  assert.equal(ana.status, 200);
  const done = ana.body.completions.find((c) => c.content === 'clm-101');
  assert.ok(done, JSON.stringify(ana.body.completions));
  assert.equal(done.status, 'completed');
  assert.equal(done.ts, '2026-03-03T15:00:00Z');
  assert.equal(done.score, 90);
  assert.deepEqual(ana.body.attendance.map((a) => [a.program, a.session, a.attended]),
    [['data_manager_accelerator', 1, true]]);

  // Re-sending a statement with its id changes nothing.
  const id = sent.data[0];
  const again = await api('PUT', `/xapi/statements?statementId=${id}`, { key: env.ingest,
    headers: { 'X-Experience-API-Version': '1.0.3' },
    json: { id, actor, verb: XAPI.Verbs.COMPLETED, timestamp: '2026-03-03T15:00:00Z',
      object: { objectType: 'Activity', id: 'https://lms.example.com/courses/clm-101' }, result: { score: { scaled: 0.9 } } } });
  assert.equal(again.status, 204);
  assert.equal(again.headers.get('x-experience-api-version'), '1.0.3');
  const after = await api('GET', '/v1/learners/seg-ana', { key: env.lms });
  assert.equal(after.body.completions.filter((c) => c.content === 'clm-101').length, 1);
});

test('curl posts a Skilljar-style webhook → a completion', async () => {
  const payload = JSON.stringify({ event_type: 'COURSE_COMPLETION', timestamp: '2026-03-05T08:30:00.123456+00:00',
    user: { id: 'seg-bo', email: 'seg-bo@acme.test', first_name: 'Bo' }, course: { id: 'clm-201', title: 'Advanced' } });
  const out = execFileSync('curl', ['-sS', '-w', '\n%{http_code}', '-X', 'POST', `${env.url}/v1/webhooks/skilljar`,
    '-H', `Authorization: Bearer ${env.ingest}`, '-H', 'Content-Type: application/json', '--data-binary', payload]).toString();
  const [body, code] = out.trimEnd().split('\n');
  assert.equal(code, '200', body);
  assert.equal(JSON.parse(body).accepted >= 1, true, body);
  const bo = await api('GET', '/v1/learners/seg-bo', { key: env.lms });
  assert.ok(bo.body.completions.some((c) => c.content === 'clm-201' && c.status === 'completed'), JSON.stringify(bo.body));
});

test('canonical NDJSON: partial acceptance, then the read API, /metrics and /readyz', async () => {
  const lines = [
    { kind: 'account', id: 'nd-acct', name: 'ND', tier: 'smb', plan: 'core' },
    { kind: 'event', id: 'nd-e1', account: 'nd-acct', name: 'workflow_published', ts: '2026-03-01T12:00:00Z' },
    { kind: 'event', id: 'nd-e2', account: 'nd-acct', name: 'workflow_published' },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n';
  const res = await api('POST', '/v1/records', { key: env.ingest, raw: lines, headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.accepted, 2);
  assert.deepEqual(res.body.rejected.map((r) => [r.line, r.field]), [[3, 'ts']]);

  const list = await api('GET', '/v1/accounts?tier=smb&sort=name', { key: env.analyst });
  assert.deepEqual(list.body.items.map((a) => a.id), ['nd-acct']);
  const q = await api('GET', '/v1/accounts?q=SEGMENT', { key: env.admin });
  assert.deepEqual(q.body.items.map((a) => a.id), ['seg-acme']);
  const stages = await api('GET', '/v1/stages', { key: env.analyst });
  assert.equal(stages.body.total, stages.body.stages.reduce((n, s) => n + s.accounts, 0));
  const graph = await api('GET', '/v1/milestones', { key: env.lms });
  assert.ok(graph.body.milestones.some((m) => m.id === 'workflow_published'));

  const metrics = await api('GET', '/metrics');
  assert.match(metrics.text, /uplift_http_requests_total\{method="POST",route="\/v1\/records",status="200"\} \d+/);
  assert.match(metrics.text, /uplift_records_ingested_total\{kind="record",outcome="accepted"\} \d+/);
  assert.match(metrics.text, /uplift_http_request_duration_seconds_bucket\{route="\/v1\/accounts\/\{id\}",le="\+Inf"\}/);
  const ready = await api('GET', '/readyz');
  assert.deepEqual([ready.status, ready.body.status, ready.body.stale], [200, 'ready', false]);
});

test('the console is served with security headers and no CORS', async () => {
  const res = await fetch(env.url + '/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const js = await fetch(env.url + '/js/app.js');
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
});

test('one structured log line per request, with the key name and never the key', async () => {
  const { readFileSync } = await import('node:fs');
  await api('GET', '/v1/stages', { key: env.analyst });
  const lines = await eventually(() => readFileSync(process.env.SERVER_LOG, 'utf8').split('\n')
    .filter((l) => l.startsWith('{"ts"')).map((l) => JSON.parse(l)).filter((l) => l.route === '/v1/stages'));
  const entry = lines.at(-1);
  for (const k of ['ts', 'method', 'route', 'status', 'ms', 'bytes', 'key']) assert.ok(k in entry, k);
  assert.equal(entry.key, 'e2e-analyst');
  const log = readFileSync(process.env.SERVER_LOG, 'utf8');
  for (const key of [env.admin, env.lms, env.ingest]) assert.ok(!log.includes(key), 'a key leaked into the log');
});

// Partial upserts (issue 20 finding 4): a `group` with only a name turned a trial account into a
// customer (plan, tier, ARR cleared) and an `identify` with only an email cleared a learner's role,
// access level and created_at. Sent with the real Segment client, they change only what they name.
test('@segment/analytics-node: group and identify with a few traits change only those traits', async () => {
  const nd = (lines) => api('POST', '/v1/records', { key: env.ingest, raw: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    headers: { 'Content-Type': 'application/x-ndjson' } });
  let res = await nd([
    { kind: 'account', id: 'merge-trial', name: 'Trial Co', plan: 'trial', tier: 'smb', arr: 0, audience: 'trial', csm: 'ana' },
    { kind: 'learner', id: 'merge-u1', account: 'merge-trial', email: 'u1@trial.test', role: 'admin', access_level: 'owner',
      created_at: '2026-01-05T10:00:00Z' },
  ]);
  assert.equal(res.status, 200, res.text);
  const analytics = new Analytics({ writeKey: env.ingest, host: env.url, flushAt: 2, flushInterval: 100, maxRetries: 0 });
  analytics.group({ userId: 'merge-u1', groupId: 'merge-trial', traits: { name: 'Trial Co (renamed)' } });
  analytics.identify({ userId: 'merge-u1', traits: { email: 'new-u1@trial.test', groupId: 'merge-trial' } });
  await analytics.closeAndFlush();
  const acct = await eventually(async () => {
    const r = await api('GET', '/v1/accounts/merge-trial', { key: env.admin });
    return r.status === 200 && r.body.name === 'Trial Co (renamed)' ? r : null;
  });
  assert.ok(acct, 'the group call never arrived');
  assert.equal(acct.body.plan, 'trial');
  assert.equal(acct.body.tier, 'smb');
  assert.equal(acct.body.arr, 0);
  assert.equal(acct.body.csm, 'ana');
  assert.equal(acct.body.audience, 'trial', 'a group without an audience made the account a customer');
  const learner = await eventually(async () => {
    const r = await api('GET', '/v1/learners/merge-u1', { key: env.admin });
    return r.status === 200 && r.body.email === 'new-u1@trial.test' ? r : null;
  });
  assert.ok(learner, 'the identify call never arrived');
  assert.equal(learner.body.role, 'admin');
  assert.equal(learner.body.access_level, 'owner');
  assert.equal(learner.body.created_at, '2026-01-05T10:00:00Z');
  // Two partial identify calls for one new learner in one Segment batch: the second builds on the
  // first. A trait sent as null is ignored (Segment's convention), not stored.
  res = await api('POST', '/v1/batch', { key: env.ingest, json: { batch: [
    { type: 'identify', userId: 'merge-u2', messageId: 'merge-m1', traits: { email: 'u2@trial.test', groupId: 'merge-trial' } },
    { type: 'identify', userId: 'merge-u2', messageId: 'merge-m2', traits: { role: 'legal', groupId: 'merge-trial' } },
    { type: 'group', userId: 'merge-u2', groupId: 'merge-trial', messageId: 'merge-m3', traits: { csm: null, tier: 'midmarket' } },
  ] } });
  assert.equal(res.status, 200, res.text);
  const u2 = await eventually(async () => {
    const r = await api('GET', '/v1/learners/merge-u2', { key: env.admin });
    return r.status === 200 && r.body.role === 'legal' ? r : null;
  });
  assert.ok(u2);
  assert.equal(u2.body.email, 'u2@trial.test', 'the second partial identify dropped the first one\'s email');
  const after = await eventually(async () => {
    const r = await api('GET', '/v1/accounts/merge-trial', { key: env.admin });
    return r.status === 200 && r.body.tier === 'midmarket' ? r : null;
  });
  assert.ok(after);
  assert.equal(after.body.name, 'Trial Co (renamed)');
  assert.equal(after.body.plan, 'trial');
  assert.equal(after.body.audience, 'trial');
  assert.equal(after.body.csm, 'ana', 'a null trait changed the CSM');
});

test('xAPI: a statement batch with one statement dated out of bounds stores nothing', async () => {
  const st = (id, timestamp) => ({
    id, timestamp, actor: { mbox: 'mailto:seg-ana@acme.test' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: { id: 'https://lms.example.com/courses/xapi-bounds' },
  });
  const res = await api('POST', '/xapi/statements', { key: env.ingest, json: [
    st('7e0d5f0a-0000-4000-8000-000000000001', '2026-03-01T10:00:00Z'),
    st('7e0d5f0a-0000-4000-8000-000000000002', '1999-01-01T10:00:00Z'),
  ], headers: { 'X-Experience-API-Version': '1.0.3' } });
  assert.equal(res.status, 400, res.text);
  assert.match(res.text, /before 2000-01-01/);
});
