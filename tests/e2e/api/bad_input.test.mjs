// The bad-HTTP-input catalog: every case must get a 4xx problem+json (never a 5xx), and the
// server must still answer /healthz afterwards. Add a row to extend it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { api, env } from './lib.mjs';

const J = { 'Content-Type': 'application/json' };
const ND = { 'Content-Type': 'application/x-ndjson' };
const X = { ...J, 'X-Experience-API-Version': '1.0.3' };
const big = (n) => 'x'.repeat(n);
const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const deepObj = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const invalidUtf8 = Buffer.concat([Buffer.from('{"kind":"account","id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
const completed = { id: 'http://adlnet.gov/expapi/verbs/completed' };
const actor = { mbox: 'mailto:a@example.com' };
const activity = { id: 'https://lms.example.com/c/1' };

// [name, method, path, key, headers, body, expected status]
const CASES = [
  // --- malformed JSON / NDJSON ---
  ['ndjson: not JSON', 'POST', '/v1/records', 'ingest', ND, 'not json\n', 400],
  ['ndjson: truncated object', 'POST', '/v1/records', 'ingest', ND, '{"kind":"account","id":\n', 400],
  ['ndjson: array instead of object', 'POST', '/v1/records', 'ingest', ND, '[1,2,3]\n', 400],
  ['ndjson: unknown kind', 'POST', '/v1/records', 'ingest', ND, '{"kind":"spaceship","id":"x"}\n', 400],
  ['ndjson: missing kind', 'POST', '/v1/records', 'ingest', ND, '{"id":"x"}\n', 400],
  ['ndjson: event without ts', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e","account":"a","name":"n"}\n', 400],
  ['ndjson: ts without offset', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e","account":"a","name":"n","ts":"2026-03-01T12:00:00"}\n', 400],
  ['ndjson: ts wrong type', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e","account":"a","name":"n","ts":12}\n', 400],
  ['ndjson: qty wrong type', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e","account":"a","name":"n","ts":"2026-03-01T12:00:00Z","qty":"many"}\n', 400],
  ['ndjson: props not an object', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e","account":"a","name":"n","ts":"2026-03-01T12:00:00Z","props":[1]}\n', 400],
  ['ndjson: id wrong type', 'POST', '/v1/records', 'ingest', ND, '{"kind":"account","id":42}\n', 400],
  ['ndjson: bad date', 'POST', '/v1/records', 'ingest', ND, '{"kind":"arr","account":"a","date":"2026-02-30","arr":1}\n', 400],
  ['ndjson: bad enum', 'POST', '/v1/records', 'ingest', ND, '{"kind":"renewal","account":"a","date":"2026-02-01","outcome":"maybe"}\n', 400],
  ['ndjson: bad session', 'POST', '/v1/records', 'ingest', ND, '{"kind":"attendance","learner":"l","program":"p","session":"one","ts":"2026-03-01T12:00:00Z"}\n', 400],
  ['ndjson: empty body', 'POST', '/v1/records', 'ingest', ND, '', 400],
  ['ndjson: only blank lines', 'POST', '/v1/records', 'ingest', ND, '\n\n  \n', 400],
  ['ndjson: invalid UTF-8', 'POST', '/v1/records', 'ingest', ND, invalidUtf8, 400],
  ['ndjson: deep nesting', 'POST', '/v1/records', 'ingest', ND, deep(5000) + '\n', 400],
  ['ndjson: deep object nesting', 'POST', '/v1/records', 'ingest', ND, deepObj(200) + '\n', 400],
  ['ndjson: NUL bytes', 'POST', '/v1/records', 'ingest', ND, '\u0000\u0000\n', 400],
  ['ndjson: wrong content type', 'POST', '/v1/records', 'ingest', { 'Content-Type': 'application/xml' }, '<a/>', 415],
  ['ndjson: form content type', 'POST', '/v1/records', 'ingest', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'a=b', 415],
  ['ndjson: huge body (413)', 'POST', '/v1/records', 'ingest', ND, big(6 * 1024 * 1024), 413],
  ['ndjson: unsupported encoding', 'POST', '/v1/records', 'ingest', { ...ND, 'Content-Encoding': 'br' }, 'xx', 415],
  ['ndjson: corrupt gzip', 'POST', '/v1/records', 'ingest', { ...ND, 'Content-Encoding': 'gzip' }, 'not gzip at all', 400],
  ['ndjson: gzip bomb (inflates past the limit)', 'POST', '/v1/records', 'ingest', { ...ND, 'Content-Encoding': 'gzip' }, zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)), 413],
  ['ndjson: gzip of garbage', 'POST', '/v1/records', 'ingest', { ...ND, 'Content-Encoding': 'gzip' }, zlib.gzipSync('garbage\n'), 400],
  // --- Segment ---
  ['segment: malformed JSON', 'POST', '/v1/track', 'ingest', J, '{"type":"track",', 400],
  ['segment: array body', 'POST', '/v1/track', 'ingest', J, '[]', 400],
  ['segment: string body', 'POST', '/v1/track', 'ingest', J, '"track"', 400],
  ['segment: no content type', 'POST', '/v1/track', 'ingest', {}, '{}', 415],
  ['segment: text/plain', 'POST', '/v1/track', 'ingest', { 'Content-Type': 'text/plain' }, '{}', 415],
  ['segment: track without event', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', context: { groupId: 'a' } }), 400],
  ['segment: track with event of wrong type', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 5, context: { groupId: 'a' } }), 400],
  ['segment: bad timestamp', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 'e', timestamp: 'yesterday', context: { groupId: 'a' } }), 400],
  ['segment: properties not an object', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 'e', properties: 3, context: { groupId: 'a' } }), 400],
  ['segment: group without groupId', 'POST', '/v1/group', 'ingest', J, JSON.stringify({ userId: 'u' }), 400],
  ['segment: identify without userId', 'POST', '/v1/identify', 'ingest', J, JSON.stringify({ traits: {} }), 400],
  ['segment: batch not an array', 'POST', '/v1/batch', 'ingest', J, JSON.stringify({ batch: {} }), 400],
  ['segment: batch missing', 'POST', '/v1/batch', 'ingest', J, JSON.stringify({ writeKey: 'x' }), 400],
  ['segment: batch of junk', 'POST', '/v1/batch', 'ingest', J, JSON.stringify({ batch: [1, 'a', null] }), 400],
  ['segment: batch with unknown type', 'POST', '/v1/batch', 'ingest', J, JSON.stringify({ batch: [{ type: 'teleport', userId: 'u' }] }), 400],
  ['segment: deep nesting', 'POST', '/v1/batch', 'ingest', J, deep(10000), 400],
  ['segment: invalid UTF-8', 'POST', '/v1/track', 'ingest', J, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 400],
  ['segment: huge body', 'POST', '/v1/batch', 'ingest', J, big(5 * 1024 * 1024 + 1), 413],
  ['segment: empty body', 'POST', '/v1/batch', 'ingest', J, '', 400],
  // Numbers no double can hold made the JSON parser throw (found by fuzz_milestones): 400, not 500.
  ['segment: number overflow', 'POST', '/v1/track', 'ingest', J, '{"userId":"u","event":"e","properties":{"n":1e999},"context":{"groupId":"a"}}', 400],
  ['segment batch: number overflow', 'POST', '/v1/batch', 'ingest', J, '{"batch":[{"type":"track","userId":"u","event":"e","context":{"groupId":"a"},"properties":{"n":-1e400}}]}', 400],
  ['xapi: number overflow', 'POST', '/xapi/statements', 'ingest', X, '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://lms/c/1"},"result":{"score":{"raw":1e999}}}', 400],
  ['skilljar: number overflow', 'POST', '/v1/webhooks/skilljar', 'ingest', J, '{"event_type":"COURSE_COMPLETION","user":{"id":1e999},"course":{"id":"c"}}', 400],
  ['cohorts: number overflow', 'POST', '/v1/cohorts', 'admin', J, '{"program":"p","capacity":1e999}', 400],
  ['ndjson: number overflow', 'POST', '/v1/records', 'ingest', ND, '{"kind":"account","id":"big","arr":1e999}\n', 400],
  // --- xAPI ---
  ['xapi: missing version header', 'POST', '/xapi/statements', 'ingest', J, JSON.stringify({ actor, verb: completed, object: activity }), 400],
  ['xapi: unsupported version', 'POST', '/xapi/statements', 'ingest', { ...J, 'X-Experience-API-Version': '0.95' }, JSON.stringify({ actor, verb: completed, object: activity }), 400],
  ['xapi: malformed JSON', 'POST', '/xapi/statements', 'ingest', X, '{"actor":', 400],
  ['xapi: no actor', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ verb: completed, object: activity }), 400],
  ['xapi: no verb', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, object: activity }), 400],
  ['xapi: verb without id', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, verb: {}, object: activity }), 400],
  ['xapi: actor without identifier', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor: { name: 'x' }, verb: completed, object: activity }), 400],
  ['xapi: wrong content type', 'POST', '/xapi/statements', 'ingest', { 'Content-Type': 'text/plain', 'X-Experience-API-Version': '1.0.3' }, '{}', 415],
  ['xapi: PUT without statementId', 'PUT', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, verb: completed, object: activity }), 400],
  ['xapi: PUT with an array', 'PUT', '/xapi/statements?statementId=6f9619ff-8b86-d011-b42d-00cf4fc964ff', 'ingest', X, JSON.stringify([{ actor, verb: completed, object: activity }]), 400],
  ['xapi: bad timestamp', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, verb: completed, object: activity, timestamp: 'noon' }), 400],
  ['xapi: empty array', 'POST', '/xapi/statements', 'ingest', X, '[]', 400],
  ['xapi: DELETE not allowed', 'DELETE', '/xapi/statements', 'ingest', X, undefined, 405],
  // --- Skilljar webhook ---
  ['skilljar: malformed JSON', 'POST', '/v1/webhooks/skilljar', 'ingest', J, '{', 400],
  ['skilljar: event_type not a string', 'POST', '/v1/webhooks/skilljar', 'ingest', J, JSON.stringify({ event_type: 7, user: { id: 'u' } }), 400],
  ['skilljar: no event_type', 'POST', '/v1/webhooks/skilljar', 'ingest', J, JSON.stringify({ user: { id: 'u' }, course: { id: 'c' } }), 400],
  ['skilljar: no course', 'POST', '/v1/webhooks/skilljar', 'ingest', J, JSON.stringify({ event_type: 'COURSE_COMPLETION', timestamp: '2026-03-01T12:00:00Z', user: { id: 'u' } }), 400],
  ['skilljar: no user', 'POST', '/v1/webhooks/skilljar', 'ingest', J, JSON.stringify({ event_type: 'COURSE_COMPLETION', timestamp: '2026-03-01T12:00:00Z', course: { id: 'c' } }), 400],
  ['skilljar: array body', 'POST', '/v1/webhooks/skilljar', 'ingest', J, '[]', 400],
  ['skilljar: wrong content type', 'POST', '/v1/webhooks/skilljar', 'ingest', { 'Content-Type': 'text/html' }, '<p>', 415],
  // --- time sanity (issue 20 finding 3): dated past now + 24 h or before 2000-01-01, by every door ---
  ['segment: track dated 9999', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 'e', timestamp: '9999-12-31T23:59:59Z', context: { groupId: 'a' } }), 400],
  ['segment: track dated year 1', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 'e', timestamp: '0001-01-01T00:00:00Z', context: { groupId: 'a' } }), 400],
  ['segment: batch of one future track', 'POST', '/v1/batch', 'ingest', J, JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'e', timestamp: '2999-01-01T00:00:00Z', context: { groupId: 'a' } }] }), 400],
  ['xapi: statement dated 9999', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, verb: completed, object: activity, timestamp: '9999-12-31T23:59:59Z' }), 400],
  ['xapi: statement dated 1970', 'POST', '/xapi/statements', 'ingest', X, JSON.stringify({ actor, verb: completed, object: activity, timestamp: '1970-01-01T00:00:00Z' }), 400],
  ['skilljar: completion dated 9999', 'POST', '/v1/webhooks/skilljar', 'ingest', J, JSON.stringify({ event_type: 'COURSE_COMPLETION', timestamp: '9999-01-01T00:00:00Z', user: { id: 'u' }, course: { id: 'c' } }), 400],
  ['ndjson: event dated 9999', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e9999","account":"a","name":"n","ts":"9999-12-31T23:59:59Z"}\n', 400],
  ['ndjson: event dated 1999', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"e1999","account":"a","name":"n","ts":"1999-12-31T23:59:59Z"}\n', 400],
  ['ndjson: event with negative qty', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"eneg","account":"a","name":"n","ts":"2026-03-01T12:00:00Z","qty":-1}\n', 400],
  ['ndjson: event with qty 1e308', 'POST', '/v1/records', 'ingest', ND, '{"kind":"event","id":"ehuge","account":"a","name":"n","ts":"2026-03-01T12:00:00Z","qty":1e308}\n', 400],
  ['segment: track with negative qty', 'POST', '/v1/track', 'ingest', J, JSON.stringify({ userId: 'u', event: 'e', properties: { qty: -5 }, context: { groupId: 'a' } }), 400],
  // --- API keys over HTTP (admin) ---
  ['keys: POST not JSON', 'POST', '/v1/keys', 'admin', J, '{"name":', 400],
  ['keys: POST an array', 'POST', '/v1/keys', 'admin', J, '[]', 400],
  ['keys: POST empty body', 'POST', '/v1/keys', 'admin', J, '', 400],
  ['keys: name a number', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 5, scope: 'lms' }), 400],
  ['keys: name null', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: null, scope: 'lms' }), 400],
  ['keys: name of 101 characters', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: big(101), scope: 'lms' }), 400],
  ['keys: scope a list', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 'n', scope: ['admin'] }), 400],
  ['keys: scope superuser', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 'n', scope: 'superuser' }), 400],
  ['keys: scope in upper case', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 'n', scope: 'ADMIN' }), 400],
  ['keys: a secret of one\'s own', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 'n', scope: 'lms', key: 'upl_mine' }), 400],
  ['keys: deep nesting', 'POST', '/v1/keys', 'admin', J, deepObj(200), 400],
  ['keys: invalid UTF-8', 'POST', '/v1/keys', 'admin', J, Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff]), Buffer.from('","scope":"lms"}')]), 400],
  ['keys: text/plain', 'POST', '/v1/keys', 'admin', { 'Content-Type': 'text/plain' }, 'name=n', 415],
  ['keys: an active name again', 'POST', '/v1/keys', 'admin', J, JSON.stringify({ name: 'e2e-admin', scope: 'admin' }), 409],
  ['keys: create with an lms key', 'POST', '/v1/keys', 'lms', J, JSON.stringify({ name: 'n', scope: 'admin' }), 403],
  ['keys: create with an ingest key', 'POST', '/v1/keys', 'ingest', J, JSON.stringify({ name: 'n', scope: 'admin' }), 403],
  ['keys: list with an analyst key', 'GET', '/v1/keys', 'analyst', {}, undefined, 403],
  ['keys: list without a key', 'GET', '/v1/keys', null, {}, undefined, 401],
  ['keys: revoke an unknown key', 'DELETE', '/v1/keys/upl_nothing1', 'admin', {}, undefined, 404],
  ['keys: revoke a revoked key', 'DELETE', '/v1/keys/e2e-revoked', 'admin', {}, undefined, 404],
  ['keys: revoke with an lms key', 'DELETE', '/v1/keys/e2e-admin', 'lms', {}, undefined, 403],
  ['keys: PUT not allowed', 'PUT', '/v1/keys', 'admin', J, '{}', 405],
  ['keys: DELETE the collection', 'DELETE', '/v1/keys', 'admin', {}, undefined, 405],
  ['keys: revoke with no id', 'DELETE', '/v1/keys/', 'admin', {}, undefined, 404],
  ['keys: revoke the last active admin key', 'DELETE', '/v1/keys/e2e-admin', 'admin', {}, undefined, 409],
  ['keys: revoke an id with an encoded slash', 'DELETE', '/v1/keys/a%2Fb', 'admin', {}, undefined, 404],
  ['keys: GET one key', 'GET', '/v1/keys/e2e-admin', 'admin', {}, undefined, 405],
  ['keys: POST a form', 'POST', '/v1/keys', 'admin', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'name=n&scope=lms', 415],
  ['readyz: POST', 'POST', '/readyz', null, J, '{}', 405],
  ['readyz: DELETE', 'DELETE', '/readyz', null, {}, undefined, 405],
  ['healthz: PUT', 'PUT', '/healthz', null, J, '{}', 405],
  ['metrics: POST', 'POST', '/metrics', null, J, '{}', 405],
  ['records: GET', 'GET', '/v1/records', 'ingest', {}, undefined, 405],
  ['records: DELETE', 'DELETE', '/v1/records', 'admin', {}, undefined, 405],
  // --- reads: bad query parameters, unknown ids ---
  ['accounts: page=0', 'GET', '/v1/accounts?page=0', 'analyst', {}, undefined, 400],
  ['accounts: page=-1', 'GET', '/v1/accounts?page=-1', 'analyst', {}, undefined, 400],
  ['accounts: page=abc', 'GET', '/v1/accounts?page=abc', 'analyst', {}, undefined, 400],
  ['accounts: page huge', 'GET', '/v1/accounts?page=99999999999999999999', 'analyst', {}, undefined, 400],
  ['accounts: per_page=0', 'GET', '/v1/accounts?per_page=0', 'analyst', {}, undefined, 400],
  ['accounts: per_page=501', 'GET', '/v1/accounts?per_page=501', 'analyst', {}, undefined, 400],
  ['accounts: per_page=1.5', 'GET', '/v1/accounts?per_page=1.5', 'analyst', {}, undefined, 400],
  ['accounts: sort unknown', 'GET', '/v1/accounts?sort=password', 'analyst', {}, undefined, 400],
  ['accounts: order unknown', 'GET', '/v1/accounts?order=sideways', 'analyst', {}, undefined, 400],
  ['accounts: flagged not boolean', 'GET', '/v1/accounts?flagged=maybe', 'analyst', {}, undefined, 400],
  ['accounts: unknown stage', 'GET', '/v1/accounts?stage=nirvana', 'analyst', {}, undefined, 400],
  ['accounts: q too long', 'GET', '/v1/accounts?q=' + big(300), 'analyst', {}, undefined, 400],
  ['accounts: q invalid UTF-8', 'GET', '/v1/accounts?q=%ff%fe', 'analyst', {}, undefined, 400],
  ['accounts: unknown id', 'GET', '/v1/accounts/no-such-account', 'analyst', {}, undefined, 404],
  ['accounts: bad escape in id', 'GET', '/v1/accounts/%zz', 'analyst', {}, undefined, 404],
  ['accounts: trailing slash', 'GET', '/v1/accounts/', 'analyst', {}, undefined, 404],
  ['accounts: POST not allowed', 'POST', '/v1/accounts', 'admin', J, '{}', 405],
  ['learners: unknown id', 'GET', '/v1/learners/no-such-learner', 'lms', {}, undefined, 404],
  ['learners: per_page junk', 'GET', '/v1/learners?per_page=x', 'analyst', {}, undefined, 400],
  ['stages: tier too long', 'GET', '/v1/stages?tier=' + big(300), 'analyst', {}, undefined, 400],
  ['unknown API path', 'GET', '/v1/nothing-here', 'admin', {}, undefined, 404],
  ['unknown API version', 'GET', '/v2/accounts', 'admin', {}, undefined, 404],
  ['static: traversal', 'GET', '/../../etc/passwd', null, {}, undefined, 404],
  ['static: encoded traversal', 'GET', '/%2e%2e/%2e%2e/etc/passwd', null, {}, undefined, 404],
  ['static: hidden file', 'GET', '/.git/config', null, {}, undefined, 404],
  ['static: missing file', 'GET', '/no-such-file.js', null, {}, undefined, 404],
  ['static: POST', 'POST', '/index.html', null, J, '{}', 404],
  ['healthz: wrong method', 'POST', '/healthz', null, J, '{}', 405],
  ['metrics: wrong method', 'DELETE', '/metrics', null, {}, undefined, 405],
  ['auth: garbage header', 'GET', '/v1/stages', null, { Authorization: '\u00ff\u00fe' }, undefined, 401],
  ['auth: bearer with spaces only', 'GET', '/v1/stages', null, { Authorization: 'Bearer    ' }, undefined, 401],
  ['auth: basic not base64', 'GET', '/v1/stages', null, { Authorization: 'Basic %%%' }, undefined, 401],
  ['auth: huge bearer', 'GET', '/v1/stages', null, { Authorization: 'Bearer upl_' + big(6000) }, undefined, 401],
];

async function healthy() {
  const res = await fetch(env.url + '/healthz');
  assert.equal(res.status, 200, 'server stopped answering /healthz');
}

test(`catalog has at least 60 cases (${CASES.length})`, () => assert.ok(CASES.length >= 60));

for (const [name, method, path, key, headers, body, expected] of CASES) {
  test(name, async () => {
    const h = { ...headers };
    if (key) h.Authorization = `Bearer ${env[key]}`;
    const res = await fetch(env.url + path, { method, headers: h, body });
    const text = await res.text();
    assert.equal(res.status, expected, `${name}: got ${res.status} ${text.slice(0, 300)}`);
    assert.ok(res.status >= 400 && res.status < 500);
    assert.match(res.headers.get('content-type') || '', /^application\/problem\+json/, name);
    const p = JSON.parse(text);
    assert.equal(p.status, expected);
    for (const k of ['type', 'title', 'detail', 'instance']) assert.equal(typeof p[k], 'string', `${name}: ${k}`);
    await healthy();
  });
}

// Raw HTTP that no client library would send: the server answers 4xx (or closes) and lives on.
function raw(bytes) {
  return new Promise((resolve) => {
    const { port } = new URL(env.url);
    const sock = net.connect(Number(port), '127.0.0.1');
    let out = '';
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('data', (d) => { out += d.toString('latin1'); });
    sock.on('close', () => resolve(out));
    sock.on('error', () => resolve(out));
    sock.write(bytes, () => sock.end());
  });
}
const RAW = [
  ['garbage request line', 'HELLO\r\n\r\n'],
  ['binary junk', Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10])],
  ['header without colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n'],
  ['negative content length', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'],
  ['content length lies (short body)', 'POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100\r\n\r\n{}'],
  ['huge header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + big(100000) + '\r\n\r\n'],
];
// Skilljar sends every event type to a URL without a filter, and a 4xx may switch the webhook
// off: an event type uplift does not use is acknowledged (200, counted as ignored), not refused.
test('skilljar: an unused event type is acknowledged, not refused', async () => {
  const res = await fetch(env.url + '/v1/webhooks/skilljar', { method: 'POST', headers: { ...J, Authorization: `Bearer ${env.ingest}` },
    body: JSON.stringify({ event_type: 'PIZZA_ORDERED', user: { id: 'u' } }) });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.ignored, 1);
  assert.equal(body.accepted, 0);
});

for (const [name, bytes] of RAW) {
  test(`raw: ${name}`, async () => {
    const out = await raw(bytes);
    const status = Number((out.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1] || 0);
    assert.ok(status === 0 || (status >= 400 && status < 500), `${name}: got ${out.slice(0, 100)}`);
    await healthy();
  });
}
