// Accounts: a searchable, sortable, paged table. State (query, sort, page) lives in the hash so
// a view can be bookmarked; it is updated in place so keyboard focus stays where it was.
import { h, clear, label, money, day, select, put } from '../dom.js';
import { get } from '../api.js';
import { heading, step, hashLink } from '../ui.js';

const PER_PAGE = 25;
const COLUMNS = [
  { key: 'name', label: 'Account' },
  { key: 'stage', label: 'Stage' },
  { key: 'arr', label: 'ARR', num: true },
  { key: 'csm', label: 'CSM' },
  { key: 'renewal_date', label: 'Renewal' },
  { key: 'frontier', label: 'Next milestones (frontier)', sortable: false },
  { key: 'stalled_days', label: 'Days without progress', num: true },
];

// The stalled view's advice (GET /v1/accounts?stalled_days=N → recommended), in words.
const ADVICE = { course: 'assign', practice: 'practise', accelerator: 'accelerator', none: 'no content teaches it' };
const STALLED_COLUMN = { key: 'recommended', label: 'What uplift recommends', sortable: false };

function cell(col, a) {
  switch (col.key) {
    case 'name': return h('a', { href: hashLink(`accounts/${encodeURIComponent(a.id)}`) }, a.name || a.id);
    case 'stage': return label(a.stage);
    case 'arr': return money(a.arr);
    case 'renewal_date': return day(a.renewal_date);
    case 'frontier': return (a.frontier || []).map((m) => h('span', { class: 'tag' }, label(typeof m === 'string' ? m : m.id)));
    case 'recommended': return h('ul', { class: 'advice' }, (a.recommended || []).map((r) => h('li', { 'data-milestone': r.milestone, 'data-action': r.action },
      h('strong', {}, `${label(r.milestone)}: `), ADVICE[r.action] || r.action,
      r.items.length ? ` — ${r.items.join(', ')}` : '', r.program ? ` · program ${label(r.program)}` : '')));
    default: return a[col.key] ?? '—';
  }
}

export async function render(main, ctx) {
  const p = ctx.params;
  const state = {
    q: p.get('q') || '', stage: p.get('stage') || '', sort: p.get('sort') || 'arr',
    order: p.get('order') || 'desc', page: Number(p.get('page') || 1),
    flag: p.get('flag') || '', stalled_days: p.get('stalled_days') || '', flagged: p.get('flagged') || '',
    tier: p.get('tier') || '', plan: p.get('plan') || '', csm: p.get('csm') || '',
  };
  put(main, ...heading('Accounts', 'Search by name or id; click a column heading to sort.'));

  const stages = await step('Loading stages', () => get('/v1/stages'));
  if (!ctx.isCurrent()) return;
  const stageNames = (stages?.stages || []).map((r) => r.stage);
  const valuesOf = (dim) => [...new Set((stages?.[`by_${dim}`] || []).map((r) => r[dim]).filter(Boolean))].sort();

  const search = h('input', { id: 'account-search', type: 'search', name: 'q', value: state.q, autocomplete: 'off' });
  const [stageLab, stageSel] = select('account-stage', 'Stage', [['', 'All stages'], ...stageNames.map((x) => [x, label(x)])], state.stage);
  const [flagLab, flagSel] = select('account-flag', 'Flag', [['', 'Any'], ['usage_decline', 'Usage decline'], ['out_of_order', 'Out of order']], state.flag);
  const [csmLab, csmSel] = select('account-csm', 'CSM', [['', 'All CSMs'], ...valuesOf('csm')], state.csm);
  const [tierLab, tierSel] = select('account-tier', 'Tier', [['', 'All tiers'], ...valuesOf('tier')], state.tier);
  const stalledInput = h('input', { id: 'account-stalled', type: 'number', min: '0', step: '1', name: 'stalled_days', value: state.stalled_days, placeholder: 'days' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Find accounts' },
    h('div', { class: 'field grow' }, h('label', { for: 'account-search' }, 'Search accounts'), search),
    h('div', { class: 'field' }, stageLab, stageSel),
    h('div', { class: 'field' }, flagLab, flagSel),
    h('div', { class: 'field' }, csmLab, csmSel),
    h('div', { class: 'field' }, tierLab, tierSel),
    h('div', { class: 'field' }, h('label', { for: 'account-stalled' }, 'Stalled for at least (days)'), stalledInput),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Search')));
  const results = h('section', { 'aria-labelledby': 'accounts-h', class: 'card' });
  put(main, form, results);

  let debounce;
  form.addEventListener('submit', (e) => { e.preventDefault(); state.q = search.value.trim(); state.page = 1; load(); });
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { state.q = search.value.trim(); state.page = 1; load(); }, 300);
  });
  stageSel.addEventListener('change', () => { state.stage = stageSel.value; state.page = 1; load(); });
  flagSel.addEventListener('change', () => { state.flag = flagSel.value; state.flagged = ''; state.page = 1; load(); });
  csmSel.addEventListener('change', () => { state.csm = csmSel.value; state.page = 1; load(); });
  tierSel.addEventListener('change', () => { state.tier = tierSel.value; state.page = 1; load(); });
  stalledInput.addEventListener('change', () => { state.stalled_days = stalledInput.value.trim(); state.page = 1; load(); });

  function sortButton(col) {
    const active = state.sort === col.key;
    const th = h('th', { scope: 'col', class: col.num ? 'num' : null,
      'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null });
    if (col.sortable === false) { put(th, col.label); return th; }
    const btn = h('button', { type: 'button', class: 'sort', 'data-sort': col.key },
      col.label, h('span', { 'aria-hidden': 'true', class: 'arrow' }, active ? (state.order === 'asc' ? ' ▲' : ' ▼') : ' ↕'));
    btn.addEventListener('click', () => {
      if (state.sort === col.key) state.order = state.order === 'asc' ? 'desc' : 'asc';
      else { state.sort = col.key; state.order = col.num ? 'desc' : 'asc'; }
      state.page = 1;
      load(col.key);
    });
    put(th, btn);
    return th;
  }

  async function load(focusSort) {
    history.replaceState(null, '', hashLink('accounts', { ...state, page: state.page > 1 ? state.page : '' }));
    const res = await step('Loading accounts', () => get('/v1/accounts', {
      q: state.q, stage: state.stage, sort: state.sort, order: state.order, page: state.page, per_page: PER_PAGE,
      flag: state.flag, stalled_days: state.stalled_days, flagged: state.flagged,
      tier: state.tier, plan: state.plan, csm: state.csm,
    }));
    if (!res || !ctx.isCurrent()) return;
    const items = res.items || [];
    const columns = state.stalled_days ? [...COLUMNS, STALLED_COLUMN] : COLUMNS;
    const total = res.total ?? items.length;
    const pages = Math.max(1, Math.ceil(total / (res.per_page || PER_PAGE)));
    const tbl = h('table', { class: 'data', id: 'accounts-table' },
      h('caption', {}, `${total} account${total === 1 ? '' : 's'}${state.q ? ` matching “${state.q}”` : ''}` +
        `${state.flag ? ` flagged ${label(state.flag)}` : state.flagged ? ' flagged' : ''}${state.csm ? ` of ${state.csm}` : ''}` +
        `${state.tier ? ` (${state.tier})` : ''}` +
        `${state.stalled_days ? `, stalled ${state.stalled_days}+ days` : ''} — page ${state.page} of ${pages}`),
      h('thead', {}, h('tr', {}, columns.map(sortButton))),
      h('tbody', {}, items.map((a) => h('tr', { 'data-account': a.id },
        columns.map((c) => h('td', { class: c.num ? 'num' : null }, cell(c, a)))))));
    const prev = h('button', { type: 'button', class: 'secondary', disabled: state.page <= 1 }, '← Previous');
    const next = h('button', { type: 'button', class: 'secondary', disabled: state.page >= pages }, 'Next →');
    prev.addEventListener('click', () => { state.page--; load(); });
    next.addEventListener('click', () => { state.page++; load(); });
    put(clear(results), h('h2', { id: 'accounts-h', class: 'visually-hidden' }, 'Results'),
      items.length ? tbl : h('p', {}, 'No account matches.'),
      h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, h('span', {}, `Page ${state.page} of ${pages}`), next));
    if (focusSort) results.querySelector(`button[data-sort="${focusSort}"]`)?.focus();
  }
  await load();
}
