// CSM progress: per CSM, the share of accounts moved forward from each stage this quarter against
// the target (targets/<quarter>.json), as a chart with the target line and as a table, plus the
// accounts that moved — the number a CSM lead manages by (GET /v1/stages/movement).
import { h, clear, label, put } from '../dom.js';
import { get, request } from '../api.js';
import { heading, step, table, figure, hashLink, saveAs } from '../ui.js';
import { progress } from '../charts.js';

function quarterOf(d) { return `${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`; }
function recentQuarters(center, before = 6) {
  const [y, q] = center.split('Q').map(Number);
  const out = [];
  for (let i = 0; i <= before; i++) {
    const idx = y * 4 + (q - 1) - i;
    out.push(`${Math.floor(idx / 4)}Q${(idx % 4) + 1}`);
  }
  return out;
}

const metText = (c) => (c.met === true ? 'met' : c.met === false ? 'below target' : c.target_pct === null ? 'no target' : '—');

function csmSection(csm, cells, index) {
  const shown = cells.filter((c) => c.at_start > 0 || c.target_pct !== null);
  const rows = shown.filter((c) => c.target_pct !== null || c.moved_forward > 0).map((c) => ({
    key: c.stage, label: label(c.stage), value: c.share_pct, target: c.target_pct ?? NaN, met: c.met,
  }));
  const id = `csm-${index}`;
  return h('section', { class: 'card csm-progress', 'aria-labelledby': id, 'data-csm': csm },
    h('h2', { id }, csm),
    rows.length ? progress(rows, { title: `${csm}: share of accounts moved forward per stage, against the target` }) : null,
    table([
      { key: 'stage', label: 'Stage at the start', render: (c) => label(c.stage) },
      { key: 'at_start', label: 'Accounts', num: true },
      { key: 'moved_forward', label: 'Moved forward', num: true },
      { key: 'moved_back', label: 'Moved back', num: true },
      { key: 'share_pct', label: 'Moved %', num: true, render: (c) => `${c.share_pct.toFixed(1)} %` },
      { key: 'target_pct', label: 'Target %', num: true, render: (c) => (c.target_pct === null ? '—' : `${c.target_pct.toFixed(1)} %`) },
      { key: 'met', label: 'Result', render: metText },
    ], shown, { caption: `${csm}: stage movement`, rowAttrs: (c) => ({ 'data-stage': c.stage }) }));
}

export async function render(main, ctx) {
  const p = ctx.params;
  put(main, ...heading('CSM progress', 'Per CSM: how many of the accounts at each stage at the start of the quarter moved forward, against the target. Customer accounts; accounts created during the quarter are in no share.'));
  const asked = p.get('quarter') || '';
  // The form comes first, so a refused quarter can be changed right here.
  const qSel = h('select', { id: 'progress-quarter', name: 'quarter' });
  const setQuarters = (latest, chosen) => {
    put(clear(qSel), ...[...new Set([chosen, ...recentQuarters(latest)].filter(Boolean))].sort().reverse()
      .map((q) => h('option', { value: q, selected: q === chosen }, q)));
  };
  setQuarters(asked || quarterOf(new Date()), asked);
  const csmInput = h('input', { id: 'progress-csm', name: 'csm', value: p.get('csm') || '', autocomplete: 'off' });
  const form = h('form', { class: 'filters', 'aria-label': 'Choose the quarter' },
    h('div', { class: 'field' }, h('label', { for: 'progress-quarter' }, 'Quarter'), qSel),
    h('div', { class: 'field' }, h('label', { for: 'progress-csm' }, 'CSM (empty: all)'), csmInput),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show')));
  const out = h('div', { id: 'progress-results' });
  put(main, form, out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = hashLink('progress', { quarter: qSel.value, csm: csmInput.value.trim() });
  });

  // Without a quarter the server takes the quarter of the data's as-of date.
  const m = await step('Loading stage movement', () => get('/v1/stages/movement', { quarter: asked, csm: p.get('csm') || '' }));
  if (!m || !ctx.isCurrent()) return;
  const quarter = m.quarter;
  // Offer the data's quarter and the ones before it (later ones have nothing to compare yet).
  setQuarters(quarterOf(new Date(m.data_as_of)), quarter);
  const byCsm = new Map();
  for (const c of m.cells) {
    if (!byCsm.has(c.csm)) byCsm.set(c.csm, []);
    byCsm.get(c.csm).push(c);
  }
  const moved = m.moved.length;
  const met = m.cells.filter((c) => c.met === true).length, targeted = m.cells.filter((c) => c.met !== null).length;
  const download = (tableName) => async () => {
    const text = await request('/v1/stages/movement', { query: { quarter, format: 'csv', table: tableName, csm: p.get('csm') || '' }, as: 'text' });
    saveAs(text, `movement-${quarter}-${tableName}.csv`, 'text/csv');
  };
  const dlCells = h('button', { type: 'button', class: 'secondary', id: 'download-cells' }, 'Download the table (CSV)');
  const dlMoved = h('button', { type: 'button', class: 'secondary', id: 'download-moved' }, 'Download the moved accounts (CSV)');
  dlCells.addEventListener('click', download('cells'));
  dlMoved.addEventListener('click', download('moved'));
  put(clear(out),
    h('div', { class: 'figures' },
      figure(String(m.accounts - m.new_in_quarter), 'accounts at the start of the quarter'),
      figure(String(moved), 'accounts moved a stage'),
      figure(targeted ? `${met} of ${targeted}` : '—', 'targets met (CSM × stage)')),
    m.targets ? null : h('p', { class: 'note', id: 'no-targets' }, `No targets for ${quarter}: add targets/${quarter}.json to compare against.`),
    h('p', {}, `${m.quarter}: from ${m.start.slice(0, 10)} to ${m.end.slice(0, 10)}. ${m.new_in_quarter} accounts created during the quarter are counted in no share.`),
    h('div', { class: 'actions' }, dlCells, dlMoved),
    [...byCsm.entries()].map(([csm, cells], i) => csmSection(csm, cells, i)),
    h('section', { class: 'card', 'aria-labelledby': 'moved-h' },
      h('h2', { id: 'moved-h' }, `Accounts that moved (${moved})`),
      moved ? table([
        { key: 'account', label: 'Account', render: (a) => h('a', { href: hashLink(`accounts/${encodeURIComponent(a.account)}`) }, a.name || a.account) },
        { key: 'csm', label: 'CSM' },
        { key: 'from', label: 'From', render: (a) => label(a.from) },
        { key: 'to', label: 'To', render: (a) => label(a.to) },
      ], m.moved, { caption: 'Accounts whose stage changed this quarter', rowAttrs: (a) => ({ 'data-account': a.account }) })
        : h('p', {}, 'No account changed stage.')));
}
