// Shared page chrome: the loading line, the error banner, headings and query-string routes.
import { h, clear, put } from './dom.js';
import { explain } from './api.js';

const statusEl = () => document.getElementById('status');
const errorEl = () => document.getElementById('error');

export function loading(text) { statusEl().textContent = text ? `${text}…` : ''; }
export function done(text = '') { statusEl().textContent = text; }

export function showError(err) {
  const el = errorEl();
  put(clear(el), h('strong', {}, 'Problem: '), typeof err === 'string' ? err : explain(err));
  el.hidden = false;
  loading('');
}
export function clearError() {
  const el = errorEl();
  clear(el);
  el.hidden = true;
}

/** Run an async step with a loading message; errors go to the banner and return undefined. */
export async function step(text, fn) {
  loading(text);
  try {
    const out = await fn();
    done('');
    return out;
  } catch (e) {
    showError(e);
    return undefined;
  }
}

/** Page heading; focused after navigation so screen readers announce the new page. */
export function heading(text, sub) {
  return [h('h1', { tabindex: '-1', id: 'page-title' }, text), sub ? h('p', { class: 'lead' }, sub) : null];
}

/** '#/accounts?q=x' style links that keep state in the hash (never the key). */
export function hashLink(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

/** A small "figure" card: big number + caption. */
export function figure(value, caption, extraClass = '') {
  return h('div', { class: `figure ${extraClass}` }, h('div', { class: 'figure-value' }, value),
    h('div', { class: 'figure-caption' }, caption));
}

/** A table from rows; columns: [{key, label, render?, num?}] */
export function table(columns, rows, { caption, rowAttrs } = {}) {
  return h('table', { class: 'data' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
      columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.render ? c.render(r) : (r[c.key] ?? '—')))))));
}

/** Hand text to the browser as a downloaded file (fetched with the key, so no plain link works). */
export function saveAs(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' }, 'download');
  put(document.body, a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
