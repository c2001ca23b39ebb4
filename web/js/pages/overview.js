// Adoption overview: the stage funnel (filterable by tier / plan / CSM), milestone conversion
// rates, and the accounts carrying out-of-order or usage-decline flags.
import { h, s, clear, label, select, pct, put } from '../dom.js';
import { get } from '../api.js';
import { heading, step, table, hashLink } from '../ui.js';
import { funnel } from '../charts.js';

const FILTERS = ['tier', 'plan', 'csm'];

/** Distinct values offered in each filter, taken from the unfiltered breakdowns. */
function filterOptions(stages) {
  const out = {};
  for (const f of FILTERS) {
    const src = stages[`by_${f}`] || stages.breakdowns?.[f] || [];
    const values = Array.isArray(src) ? src.map((r) => r[f] ?? r.key ?? r.value) : Object.keys(src);
    out[f] = [...new Set(values.filter((v) => v !== undefined && v !== null && v !== ''))].sort();
  }
  return out;
}

/** [{key, label, value}] in journey order from a /v1/stages answer. */
export function stageRows(stages) {
  const list = stages.stages || [];
  return list.map((r) => ({ key: r.stage, label: label(r.stage), value: Number(r.accounts ?? r.count ?? 0) }));
}

function meter(rate) {
  const w = Math.max(0, Math.min(100, rate));
  return s('svg', { class: 'meter', viewBox: '0 0 100 8', width: 80, height: 8, 'aria-hidden': 'true' },
    s('rect', { x: 0, y: 0, width: 100, height: 8, class: 'meter-bg' }),
    s('rect', { x: 0, y: 0, width: w, height: 8, class: 'meter-fill' }));
}

function conversionTable(milestones, total) {
  const rows = milestones.map((m) => ({
    id: m.id, title: m.title || label(m.id),
    achieved: Number(m.achieved_accounts ?? m.achieved ?? 0),
    rate: m.conversion_pct ?? (total ? (100 * Number(m.achieved_accounts ?? m.achieved ?? 0)) / total : null),
  }));
  return table([
    { key: 'title', label: 'Milestone' },
    { key: 'achieved', label: 'Accounts reached', num: true },
    { label: 'Share of accounts', num: true, render: (r) => h('span', { class: 'rate' },
      meter(r.rate ?? 0),
      ` ${pct(r.rate)}`) },
  ], rows, { caption: 'Milestone conversion: share of accounts that reached each milestone' });
}

function flagsTable(items) {
  if (!items.length) return h('p', {}, 'No account is flagged.');
  return table([
    { label: 'Account', render: (r) => h('a', { href: hashLink(`accounts/${encodeURIComponent(r.id)}`) }, r.name || r.id) },
    { key: 'stage', label: 'Stage', render: (r) => label(r.stage) },
    { key: 'csm', label: 'CSM' },
    { label: 'Flags', render: (r) => (r.flags || []).map((f) => h('span', { class: `tag flag-${f.kind}` },
      `${label(f.kind)}${f.milestone ? `: ${label(f.milestone)}` : ''}`)) },
  ], items, { caption: 'Accounts with out-of-order adoption or a usage decline' });
}

export async function render(main, ctx) {
  const params = ctx.params;
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) || '']));
  put(main, ...heading('Adoption overview', 'Where accounts are in the adoption journey, and which ones need attention.'));

  const all = await step('Loading stages', () => get('/v1/stages'));
  if (!all || !ctx.isCurrent()) return;
  const options = filterOptions(all);

  const form = h('form', { class: 'filters', 'aria-label': 'Filter accounts' });
  for (const f of FILTERS) {
    const [lab, sel] = select(`filter-${f}`, f === 'csm' ? 'CSM' : label(f)[0].toUpperCase() + label(f).slice(1),
      [['', 'All'], ...options[f]], filters[f]);
    sel.addEventListener('change', () => { filters[f] = sel.value; refresh(); });
    put(form, h('div', { class: 'field' }, lab, sel));
  }
  const funnelBox = h('section', { class: 'card', 'aria-labelledby': 'funnel-h' });
  const convBox = h('section', { class: 'card', 'aria-labelledby': 'conv-h' });
  const flagsBox = h('section', { class: 'card', 'aria-labelledby': 'flags-h' });
  put(main, form, h('div', { class: 'grid2' }, funnelBox, convBox), flagsBox);

  async function refresh() {
    history.replaceState(null, '', hashLink('overview', filters));
    const filtered = FILTERS.some((f) => filters[f]);
    const [stages, flagged] = await Promise.all([
      step('Loading stages', () => (filtered ? get('/v1/stages', filters) : all)),
      step('Loading flagged accounts', () => get('/v1/accounts', { ...filters, flagged: 'true', per_page: 25, sort: 'arr', order: 'desc' })),
    ]);
    if (!ctx.isCurrent()) return;
    if (stages) {
      const rows = stageRows(stages);
      const total = stages.total ?? rows.reduce((a, r) => a + r.value, 0);
      put(clear(funnelBox), h('h2', { id: 'funnel-h' }, 'Accounts per stage'),
        h('p', { class: 'hint' }, `${total} accounts${filtered ? ' matching the filters' : ''}.`),
        funnel(rows, { title: 'Accounts per adoption stage', width: 480 }),
        table([{ key: 'label', label: 'Stage' }, { key: 'value', label: 'Accounts', num: true }], rows,
          { caption: 'Accounts per stage', rowAttrs: (r) => ({ 'data-stage': r.key }) }));
      funnelBox.querySelector('table').classList.add('compact');
      put(clear(convBox), h('h2', { id: 'conv-h' }, 'Milestone conversion'),
        conversionTable(stages.milestones || [], total));
    }
    if (flagged) {
      const items = (flagged.items || []).filter((a) => (a.flags || []).length);
      const total = flagged.total ?? items.length;
      const more = total > items.length
        ? h('p', {}, h('a', { id: 'all-flagged', href: hashLink('accounts', { ...filters, flagged: 'true', sort: 'arr', order: 'desc' }) },
          `All ${total} flagged accounts, page by page →`))
        : null;
      put(clear(flagsBox), h('h2', { id: 'flags-h' }, `Accounts needing attention (${total})`),
        h('p', { class: 'hint' }, `Advanced features used before the fundamentals (a renewal risk), or usage that fell sharply in the last 14 days. ${total > items.length ? `The ${items.length} with the most ARR:` : ''}`),
        flagsTable(items), more);
    }
  }
  await refresh();
}
