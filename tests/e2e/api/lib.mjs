// Helpers for the API e2e tests: a fetch wrapper that checks every answer against
// api/openapi.yaml (status documented, media type documented, body valid per the JSON Schema),
// and the environment the harness exported.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const env = {
  url: process.env.API_URL,
  admin: process.env.KEY_ADMIN,
  lms: process.env.KEY_LMS,
  analyst: process.env.KEY_ANALYST,
  ingest: process.env.KEY_INGEST,
  revoked: process.env.KEY_REVOKED,
  db: process.env.DB_URL,
  bin: process.env.UPLIFT_BIN,
};
if (!env.url) throw new Error('API_URL is not set: run through tests/e2e/api_*.test.sh');

const specPath = join(process.env.UPLIFT_SOURCE_DIR, 'api', 'openapi.yaml');
export const spec = YAML.parse(readFileSync(specPath, 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi.json');

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const templates = Object.keys(spec.paths).map((t) => ({
  t, re: new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.') + '$'),
}));

function deref(obj, pointer) {
  // Follows a $ref to a component (responses are referenced whole); returns [obj, pointer].
  while (obj && obj.$ref) {
    pointer = obj.$ref.slice(1);
    obj = pointer.split('/').slice(1).reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return [obj, pointer];
}

const compiled = new Map();
/** Asserts that a response (status, content type, parsed body) is what the spec documents. */
export function validate(method, path, status, contentType, body) {
  const tpl = templates.find(({ re }) => re.test(path));
  assert.ok(tpl, `${path} is not in openapi.yaml`);
  const op = spec.paths[tpl.t][method.toLowerCase()];
  assert.ok(op, `${method} ${tpl.t} is not in openapi.yaml`);
  const code = String(status);
  const key = [code, `${code[0]}XX`, 'default'].find((k) => op.responses[k]);
  assert.ok(key, `${method} ${tpl.t}: status ${status} is not documented`);
  const [resp, base] = deref(op.responses[key], `/paths/${esc(tpl.t)}/${method.toLowerCase()}/responses/${key}`);
  const media = (contentType || '').split(';')[0].trim();
  if (!resp.content) {
    assert.ok(body === undefined || body === '' || body === null, `${method} ${tpl.t} ${status}: undocumented body`);
    return;
  }
  assert.ok(resp.content[media], `${method} ${tpl.t} ${status}: media type '${media}' not documented`);
  if (typeof body === 'string') return;  // text bodies: type checked above
  const ptr = `openapi.json#${base}/content/${esc(media)}/schema`;
  let check = compiled.get(ptr);
  if (!check) compiled.set(ptr, (check = ajv.compile({ $ref: ptr })));
  assert.ok(check(body), `${method} ${tpl.t} ${status}: body does not match the schema: ` +
    `${ajv.errorsText(check.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}

/**
 * api('GET', '/v1/accounts/x', {key, body, headers, raw}) → {status, headers, body, text}.
 * JSON and problem+json bodies are parsed; every answer is validated against the spec unless
 * `validate: false`.
 */
export async function api(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
  let body = opts.raw;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(env.url + path, { method, headers, body });
  const text = await res.text();
  const ct = res.headers.get('content-type') || '';
  let parsed = text;
  if (/json/.test(ct) && text) parsed = JSON.parse(text);
  if (opts.validate !== false) validate(method, path.split('?')[0], res.status, ct, method === 'HEAD' ? '' : parsed);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Polls fn until it returns truthy or `ms` elapse (never a timing assertion: only a bound). */
export async function eventually(fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function isProblem(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
  for (const k of ['type', 'title', 'status', 'detail', 'instance']) assert.ok(k in res.body, `problem lacks ${k}`);
  assert.equal(res.body.status, status);
}
