// ROI report for a quarter: naive lift beside the causal (difference-in-differences) estimate
// with its 95 % interval, incremental ARR, dose-response, stage movement per CSM, and caveats
// in plain words so nobody reads the naive number as the effect of training.
import { h, clear, label, money, pct, num, put } from '../dom.js';
import { get, request } from '../api.js';
import { heading, step, table, figure, hashLink, saveAs } from '../ui.js';
import { bars } from '../charts.js';

function quarterOf(d) { return `${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`; }
function quarters(center, before = 8, after = 2) {
  const [y, q] = center.split('Q').map(Number);
  const out = [];
  for (let i = -before; i <= after; i++) {
    const idx = y * 4 + (q - 1) + i;
    out.push(`${Math.floor(idx / 4)}Q${(idx % 4) + 1}`);
  }
  return out;
}

/** null (not estimable) stays NaN instead of becoming 0. */
const val = (v) => (v === null || v === undefined || v === '' ? NaN : Number(v));
const signedPct = (v) => (Number.isFinite(v) ? `${v > 0 ? '+' : ''}${num(v)} %` : 'n/a');
const ci = (c, f = num) => (Array.isArray(c) && c.length === 2 ? `${f(c[0])} to ${f(c[1])}` : 'n/a');

/** Plain-language caveats derived from the figures, plus any the server sends. */
export function caveats(report) {
  const text = (c) => (typeof c === 'string' ? c : c.text || c.detail || JSON.stringify(c));
  const out = [...(report.caveats || []), ...(report.notes || [])].map(text);
  for (const p of report.programs || []) {
    const name = p.title || label(p.program);
    const u = p.usage_lift || {};
    for (const w of p.warnings || []) out.push(`${name}: ${text(w)}`);
    if (u.not_estimable) out.push(`${name}: no causal usage estimate — ${u.not_estimable}.`);
    const saidLow = (p.warnings || []).some((w) => /low confidence/i.test(text(w)));
    if (u.low_confidence && !saidLow) out.push(`${name}: low confidence — few accounts on one side of the comparison (${u.treated_accounts ?? '?'} attending, ${u.control_accounts ?? '?'} in the control).`);
    if (Number.isFinite(val(u.naive_pct)) && Number.isFinite(val(u.did_pct))) {
      out.push(`${name}: the naive before/after change (${signedPct(u.naive_pct)}) includes growth that would have happened anyway; ` +
        `the causal estimate compares with ${u.control === 'holdout' ? 'the randomized holdout' : 'similar accounts that did not attend'} and is ${signedPct(u.did_pct)}.`);
    }
    if (Array.isArray(u.ci95_pct) && u.ci95_pct[0] <= 0 && u.ci95_pct[1] >= 0) {
      out.push(`${name}: the 95 % interval for usage lift includes zero, so this quarter's data cannot rule out no effect.`);
    }
    if (u.control && u.control !== 'holdout') {
      out.push(`${name}: there was no randomized holdout, so the control is a matched group; unmeasured differences between the groups can bias the estimate.`);
    }
    const a = p.arr_lift || {};
    if (!a.not_estimable && Array.isArray(a.ci95) && a.ci95[0] <= 0 && a.ci95[1] >= 0) {
      out.push(`${name}: incremental ARR is not distinguishable from zero (95 % interval ${ci(a.ci95, money)}). "ARR influenced" (${money(p.arr_influenced)}) is the ARR of attending accounts, not revenue caused by training.`);
    } else if (Number.isFinite(p.arr_influenced)) {
      out.push(`${name}: "ARR influenced" (${money(p.arr_influenced)}) is the total ARR of attending accounts; only the incremental figure (${money(a.incremental_arr)}) estimates what training added.`);
    }
    const ad = p.adoption || {};
    if (Number.isFinite(val(ad.diff_pts)) && Array.isArray(ad.ci95_pts)) {
      out.push(`${name}: among accounts that had not used ${label(u.metric || 'the feature')} before, the share using it changed by ${num(ad.diff_pts)} points against the control (95 % interval ${ci(ad.ci95_pts)}).`);
    } else if (ad.not_estimable && p.participants) {
      out.push(`${name}: adoption by accounts that had not used the feature is not estimable — ${ad.not_estimable}.`);
    }
    if (u.placebo && u.placebo.failed) {
      out.push(`${name}: the placebo check failed — the same comparison one window before training already shows ${signedPct(val(u.placebo.did_pct))}, so the groups were diverging anyway; treat the causal figure with caution.`);
    }
    if (Number.isFinite(p.participants) && p.participants < 30) {
      out.push(`${name}: only ${p.participants} participants; estimates from small groups swing widely from quarter to quarter.`);
    }
  }
  return [...new Set(out)];
}

function doseRows(p) {
  const d = p.dose_response || [];
  const group = p.title || label(p.program);
  return d.flatMap((r) => {
    const name = `${r.sessions} session${String(r.sessions) === '1' ? '' : 's'}${r.accounts !== undefined ? ` (${r.accounts} accounts)` : ''}`;
    return [
      { group, label: `${name}: naive`, value: val(r.naive_pct), cls: 'naive' },
      { group, label: `${name}: causal`, value: val(r.did_pct), ci: r.ci95_pct, cls: 'causal' },
    ];
  });
}

function programSection(p) {
  const u = p.usage_lift || {}, a = p.arr_lift || {}, c = p.conversion || {};
  const name = p.title || label(p.program);
  return h('section', { class: 'card', 'data-program': p.program, 'aria-labelledby': `prog-${p.program}` },
    h('h2', { id: `prog-${p.program}` }, name, p.cohort ? h('span', { class: 'muted' }, ` — cohort ${p.cohort}`) : null),
    h('div', { class: 'figures' },
      figure(num(p.participants), 'participating accounts'),
      figure(pct(p.attended_2plus_pct), 'attended 2+ sessions'),
      figure(money(p.arr_influenced), 'ARR influenced (ARR of attending accounts)'),
      figure(a.not_estimable ? 'n/a' : money(a.incremental_arr), a.not_estimable ? `incremental ARR: ${a.not_estimable}` : `incremental ARR (95 % CI ${ci(a.ci95, money)})`, 'causal')),
    h('div', { class: 'grid2 plain' },
      h('div', {},
        bars([
          { label: 'naive before/after', value: val(u.naive_pct), cls: 'naive' },
          { label: `causal (DiD vs ${u.control || 'control'})`, value: val(u.did_pct), ci: u.ci95_pct, cls: 'causal' },
        ], { title: `Usage lift in ${label(u.metric || 'usage')}: naive vs causal`, format: signedPct, unit: ' %', width: 560 }),
        h('p', { class: 'hint' }, Number.isFinite(val(u.did_pct))
          ? `Usage lift in ${label(u.metric || '—')} over ${u.window_days ?? '?'} days. Causal estimate ${signedPct(val(u.did_pct))}, 95 % interval ${ci(u.ci95_pct, signedPct)} (the whisker).`
          : `Usage lift in ${label(u.metric || '—')}: the causal estimate is not estimable — ${u.not_estimable || 'no interval'}.`)),
      h('div', {},
        bars([
          { label: 'ARR influenced', value: val(p.arr_influenced), cls: 'naive' },
          { label: 'incremental ARR', value: val(a.incremental_arr), ci: a.ci95, cls: 'causal' },
        ], { title: 'ARR influenced vs incremental ARR', format: money, width: 560 }),
        c.milestone ? h('p', { class: 'hint' }, c.not_estimable || !Number.isFinite(val(c.diff_pts))
          ? `Reaching ${label(c.milestone)} within ${c.within_days ?? '?'} days: not estimable — ${c.not_estimable || 'no interval'}.`
          : `Reached ${label(c.milestone)} within ${c.within_days ?? '?'} days: ${pct(c.participants_pct)} of participants vs ` +
            `${pct(c.control_pct)} of the control, a difference of ${num(c.diff_pts)} points (95 % interval ${ci(c.ci95_pts)}).`) : null)));
}

/** The self-contained HTML report for executives, fetched with the key and saved as a file. */
async function downloadHtml(quarter) {
  const text = await request('/v1/reports/roi.html', { query: { quarter }, as: 'text' });
  saveAs(text, `uplift-roi-${quarter}.html`, 'text/html');
}

export async function render(main, ctx) {
  const q = ctx.params.get('quarter') || quarterOf(new Date());
  put(main, ...heading('ROI report', 'What the education programs changed this quarter — the naive figure vendors usually quote, next to an honest causal estimate.'));
  const sel = h('select', { id: 'quarter', name: 'quarter' }, quarters(q).map((x) => h('option', { value: x, selected: x === q }, x)));
  const form = h('form', { class: 'filters', 'aria-label': 'Choose quarter' },
    h('div', { class: 'field' }, h('label', { for: 'quarter' }, 'Quarter'), sel),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show report')),
    h('div', { class: 'field' }, h('button', { type: 'button', class: 'secondary', id: 'download-html', onclick: () => step('Downloading the report', () => downloadHtml(sel.value)) },
      'Download the executive report (HTML)')));
  const out = h('div', { id: 'roi-report' });
  put(main, form, out);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(sel.value); });
  sel.addEventListener('change', () => load(sel.value));

  async function load(quarter) {
    history.replaceState(null, '', hashLink('roi', { quarter }));
    const report = await step(`Loading the ${quarter} report`, () => get('/v1/reports/roi', { quarter }));
    if (!ctx.isCurrent()) return;
    clear(out);
    if (!report) return;
    const programs = report.programs || [];
    put(out, h('section', { class: 'card caveats', 'aria-labelledby': 'caveats-h' },
      h('h2', { id: 'caveats-h' }, 'How to read these numbers'),
      h('ul', {}, caveats(report).map((c) => h('li', {}, c)))));
    if (!programs.length) put(out, h('p', { class: 'card' }, `No program had participants in ${quarter}.`));
    put(out, ...programs.map(programSection));
    const dose = programs.flatMap(doseRows);
    if (dose.length) {
      put(out, h('section', { class: 'card', 'aria-labelledby': 'dose-h' }, h('h2', { id: 'dose-h' }, 'Dose-response'),
        h('p', { class: 'hint' }, 'Usage lift by number of sessions attended. A larger lift with more sessions supports a real training effect; n/a means too few accounts to estimate.'),
        bars(dose, { title: 'Usage lift by sessions attended', format: signedPct, unit: ' %' })));
    }
    const csm = report.csm || [];
    const stages = report.stages || [];
    put(out, h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'csm-h' }, h('h2', { id: 'csm-h' }, 'Stage movement per CSM'),
        h('p', { class: 'hint' }, 'Share of each CSM\'s accounts that moved at least one stage this quarter.'),
        csm.length ? bars(csm.map((c) => ({ label: `${c.csm} (${c.accounts})`, value: Number(c.moved_pct), cls: 'causal' })),
          { title: 'Accounts moved a stage, per CSM', format: pct, unit: ' %' }) : h('p', {}, 'No data.')),
      h('section', { class: 'card', 'aria-labelledby': 'stages-h' }, h('h2', { id: 'stages-h' }, 'Stages this quarter'),
        table([{ label: 'Stage', render: (r) => label(r.stage) }, { key: 'accounts', label: 'Accounts', num: true },
          { key: 'moved_in_quarter', label: 'Moved in this quarter', num: true }], stages, { caption: `Accounts per stage, ${quarter}` }),
        (report.renewal_by_stage || []).length ? table([{ label: 'Stage', render: (r) => label(r.stage) },
          { key: 'renewals', label: 'Renewals due', num: true }, { label: 'Renewal rate', num: true, render: (r) => pct(r.rate_pct) }],
        report.renewal_by_stage, { caption: 'Renewal rate by stage' }) : null)));
  }
  await load(q);
}
