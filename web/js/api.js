// The console's only door to the server: adds the admin key, turns problem+json errors into
// ApiError with a plain-language message. The key lives in sessionStorage only (gone when the
// tab closes; never in the URL, never in localStorage).
const KEY_NAME = 'uplift.admin_key';

export function getKey() { return sessionStorage.getItem(KEY_NAME); }
export function setKey(key) { sessionStorage.setItem(KEY_NAME, key); }
export function clearKey() { sessionStorage.removeItem(KEY_NAME); }

export class ApiError extends Error {
  constructor(status, title, detail, type) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.type = type;
  }
  /** Is this a sign-in problem (the key is missing, wrong or lacks the admin scope)? */
  get auth() { return this.status === 401 || this.status === 403; }
}

/** A sentence a person can act on. */
export function explain(err) {
  if (!(err instanceof ApiError)) return `Something went wrong in the console: ${err.message}`;
  if (err.status === 0) return `The uplift server could not be reached (${err.detail}). Is it running?`;
  if (err.status === 401) {
    return 'The server did not accept this key: it is unknown, revoked or mistyped. ' +
      'Paste the full key printed by "uplift keys create".' + (err.detail ? ` (Server: ${err.detail})` : '');
  }
  if (err.status === 403) {
    return 'This key is valid but is not allowed to use the console: it needs the "admin" scope. ' +
      'Create one with "uplift keys create --scope admin".' + (err.detail ? ` (Server: ${err.detail})` : '');
  }
  if (err.status === 404) return `Not found: ${err.detail || err.title || 'the server has no such item'}.`;
  const what = err.detail || err.title || 'no details given';
  return err.status >= 500 ? `The server failed (${err.status}): ${what}` : `The request was refused: ${what}`;
}

let onAuthFailure = () => {};
/** Called whenever the server rejects the stored key (the app goes back to sign-in). */
export function setAuthFailureHandler(fn) { onAuthFailure = fn; }

async function problemFrom(res) {
  let title = res.statusText, detail = '', type = '';
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text);
    title = p.title || title;
    detail = p.detail || p.error || p.message || '';
    type = p.type || '';
  } catch {
    detail = text.slice(0, 200);
  }
  return new ApiError(res.status, title, detail, type);
}

/**
 * request('/v1/accounts', {query: {q: 'x'}}) → parsed JSON (or text when as: 'text').
 * Throws ApiError. `key` overrides the stored key (used by sign-in to test a key).
 */
export async function request(path, { method = 'GET', query, body, as = 'json', key } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = { Accept: as === 'json' ? 'application/json' : 'text/csv, */*' };
  const useKey = key ?? getKey();
  if (useKey) headers.Authorization = `Bearer ${useKey}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'Network error', e.message);
  }
  if (!res.ok) {
    const err = await problemFrom(res);
    if (err.auth && key === undefined) onAuthFailure(err);
    throw err;
  }
  if (as === 'text') return res.text();
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, query) => request(path, { query });
export const post = (path, body) => request(path, { method: 'POST', body });
