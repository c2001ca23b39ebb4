// Tiny DOM helpers: build elements without innerHTML (nothing from the API is ever parsed as
// markup) and without inline styles or handlers (the server's CSP forbids them).
const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** h('a', {href: '#/x', class: 'c'}, 'text', child...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Same as h() for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

const moneyFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const numFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function money(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? '—' : moneyFmt.format(Number(n));
}
export function num(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? '—' : numFmt.format(Number(n));
}
export function pct(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? '—' : `${numFmt.format(Number(n))} %`;
}
/** ISO timestamp or date → YYYY-MM-DD (dates are UTC in uplift). */
export function day(v) {
  if (!v) return '—';
  return String(v).slice(0, 10);
}
/** milestone ids like three_groups → "three groups" */
export function label(id) {
  return String(id ?? '').replaceAll('_', ' ');
}

/** A labelled <select>; options are [value, text] pairs or strings. */
export function select(id, text, options, value) {
  const sel = h('select', { id, name: id });
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    sel.append(h('option', { value: v, selected: String(v) === String(value ?? '') }, t));
  }
  return [h('label', { for: id }, text), sel];
}

/** el.append that skips null / false / undefined and flattens arrays (like h()). */
export function put(el, ...children) {
  append(el, children);
  return el;
}
