// xAPI through the real @xapi/xapi client (run by tests/e2e/xapi.test.sh, which starts the
// server with a learner xapi-ana <Ana.Xapi@example.com> and a milestone intro_video_watched
// counted from "xapi.experienced" events on content clm-intro-video).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import XAPI from '@xapi/xapi';

const url = process.env.API_URL;
const account = process.env.XAPI_ACCOUNT;
const xapi = new XAPI({ endpoint: `${url}/xapi/`, auth: XAPI.toBasicAuth(process.env.KEY_INGEST, '') });
const ana = { objectType: 'Agent', name: 'Ana', mbox: 'mailto:ana.xapi@EXAMPLE.com' };
// The library's verb list (XAPI.Verbs) has no experienced or attended; ADL's registry does.
const EXPERIENCED = { id: 'http://adlnet.gov/expapi/verbs/experienced', display: { 'en-US': 'experienced' } };
const ATTENDED = { id: 'http://adlnet.gov/expapi/verbs/attended', display: { 'en-US': 'attended' } };
const activity = (path) => ({ objectType: 'Activity', id: `https://lms.example.com/${path}` });

async function get(path, key = process.env.KEY_READ) {
  const r = await fetch(url + path, { headers: { Authorization: `Bearer ${key}` } });
  return { status: r.status, body: await r.json() };
}
async function post(statements, method = 'POST', query = '') {
  const r = await fetch(`${url}/xapi/statements${query}`, {
    method, body: JSON.stringify(statements),
    headers: { Authorization: `Bearer ${process.env.KEY_INGEST}`, 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3' },
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
async function milestone(id) {
  const acct = await get(`/v1/accounts/${account}`);
  assert.equal(acct.status, 200);
  return acct.body.milestones.find((m) => m.id === id);
}

const batch = [
  { id: randomUUID(), actor: ana, verb: XAPI.Verbs.COMPLETED, object: activity('courses/clm-xapi-101'),
    result: { score: { scaled: 0.8 }, completion: true }, timestamp: '2026-03-03T15:00:00Z' },
  { id: randomUUID(), actor: ana, verb: EXPERIENCED, object: activity('videos/clm-intro-video'),
    result: { duration: 'PT3M12S' }, timestamp: '2026-03-03T15:05:00Z' },
  { id: randomUUID(), actor: ana, verb: XAPI.Verbs.INITIALIZED, object: activity('courses/clm-xapi-201'),
    timestamp: '2026-03-03T15:10:00Z' },
  { id: randomUUID(), actor: { mbox: 'mailto:newcomer@example.com', name: 'Newcomer' }, verb: XAPI.Verbs.COMPLETED,
    object: activity('courses/clm-xapi-101'), timestamp: '2026-03-03T16:00:00Z' },
];

test('a mixed-verb batch is stored whole: completion, learning events (counted by a milestone), a stranger queued', async () => {
  assert.equal((await milestone('intro_video_watched')).achieved, false);
  const sent = await xapi.sendStatements({ statements: batch });
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.data, batch.map((s) => s.id));

  const learner = await get('/v1/learners/xapi-ana');
  assert.equal(learner.status, 200);
  const done = learner.body.completions.filter((c) => c.content === 'clm-xapi-101');
  assert.deepEqual(done.map((c) => [c.status, c.score, c.ts]), [['completed', 80, '2026-03-03T15:00:00Z']]);
  const watched = await milestone('intro_video_watched');
  assert.equal(watched.achieved, true);
  assert.equal(watched.achieved_at, '2026-03-03T15:05:00Z');  // the statement's time

  const queue = await get('/v1/unresolved?source=xapi');
  assert.equal(queue.status, 200);
  const mine = queue.body.items.filter((i) => i.source === 'xapi');
  assert.equal(mine.length, 1, JSON.stringify(queue.body));
  assert.equal(mine[0].person, 'Newcomer');
  assert.ok(mine[0].aliases.includes('email:newcomer@example.com'));
  assert.equal(mine[0].record.content, 'clm-xapi-101');
});

test('GET ?statementId= returns the stored statement; an unknown id is 404', async () => {
  const got = await xapi.getStatement({ statementId: batch[1].id });
  assert.equal(got.status, 200);
  assert.equal(got.data.id, batch[1].id);
  assert.deepEqual(got.data.verb, EXPERIENCED);
  assert.deepEqual(got.data.object, batch[1].object);
  assert.ok(Date.parse(got.data.stored) > 0);
  // The queued statement is stored too (only its learner is not known yet).
  assert.equal((await xapi.getStatement({ statementId: batch[3].id })).status, 200);
  await assert.rejects(xapi.getStatement({ statementId: randomUUID() }), (e) => e.response?.status === 404);
});

test('the same batch again changes nothing; another statement under a stored id is a 409', async () => {
  const again = await xapi.sendStatements({ statements: batch });
  assert.equal(again.status, 200);
  const learner = await get('/v1/learners/xapi-ana');
  assert.equal(learner.body.completions.filter((c) => c.content === 'clm-xapi-101').length, 1);
  const queue = await get('/v1/unresolved');
  assert.equal(queue.body.items.filter((i) => i.source === 'xapi').length, 1);

  const changed = { ...batch[0], object: activity('courses/something-else') };
  const conflict = await post([changed]);
  assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
  assert.match(conflict.body.detail, new RegExp(batch[0].id));
  const put = await post(changed, 'PUT', `?statementId=${batch[0].id}`);
  assert.equal(put.status, 409);
  const same = await post(batch[0], 'PUT', `?statementId=${batch[0].id}`);
  assert.equal(same.status, 204);
});

test('one invalid statement refuses the batch: its index and reason, and the valid statement is not stored', async () => {
  const good = { id: randomUUID(), actor: ana, verb: XAPI.Verbs.COMPLETED, object: activity('courses/never-stored'),
    timestamp: '2026-03-04T10:00:00Z' };
  const bad = { actor: ana, verb: { id: 'completed' }, object: activity('courses/x') };
  const worse = { actor: { mbox: 'mailto:a@example.com', openid: 'https://id.example.com/a' }, verb: XAPI.Verbs.COMPLETED,
    object: activity('courses/x') };
  const r = await post([good, bad, worse]);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.errors.map((e) => [e.statement, e.field]), [[1, 'verb.id'], [2, 'actor']]);
  assert.ok(r.body.errors.every((e) => e.reason.length > 0));
  await assert.rejects(xapi.getStatement({ statementId: good.id }), (e) => e.response?.status === 404);
  const before = await get('/v1/learners/xapi-ana');
  assert.equal(before.body.completions.filter((c) => c.content === 'never-stored').length, 0);
  assert.equal((await post(good, 'PUT', `?statementId=${good.id}`)).status, 204);  // valid alone
  const learner = await get('/v1/learners/xapi-ana');
  assert.equal(learner.body.completions.filter((c) => c.content === 'never-stored').length, 1);
});

test('the stranger becomes a learner: the queued completion lands on them', async () => {
  const rec = { kind: 'learner', id: 'xapi-newcomer', account, email: 'newcomer@example.com', role: 'business_user' };
  const r = await fetch(`${url}/v1/records`, { method: 'POST', body: JSON.stringify(rec) + '\n',
    headers: { Authorization: `Bearer ${process.env.KEY_INGEST}`, 'Content-Type': 'application/x-ndjson' } });
  assert.equal(r.status, 200);
  const deadline = Date.now() + 20000;
  for (;;) {
    const l = await get('/v1/learners/xapi-newcomer');
    if (l.body.completions?.some((c) => c.content === 'clm-xapi-101')) break;
    assert.ok(Date.now() < deadline, 'the queued statement was not applied');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const queue = await get('/v1/unresolved');
  assert.equal(queue.body.items.filter((i) => i.source === 'xapi').length, 0);
});

test('an anonymous Group statement is valid: kept and acknowledged, credited to nobody', async () => {
  const group = { id: randomUUID(), actor: { objectType: 'Group', member: [ana, { mbox: 'mailto:b@example.com' }] },
    verb: ATTENDED, object: activity('live/team-session'), timestamp: '2026-03-05T10:00:00Z' };
  const r = await xapi.sendStatement({ statement: group });
  assert.equal(r.status, 200);
  assert.equal((await xapi.getStatement({ statementId: group.id })).status, 200);
});
