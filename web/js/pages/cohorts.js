// Cohort builder: pick an accelerator program, preview who is eligible and why (nothing saved),
// adjust capacity / holdout / seed, create the cohort and download its invitee CSV.
import { h, clear, label, money, day, put } from '../dom.js';
import { get, post, request } from '../api.js';
import { heading, step, table, figure, hashLink, saveAs } from '../ui.js';

const listOf = (res, ...keys) => (Array.isArray(res) ? res : keys.map((k) => res?.[k]).find(Array.isArray) || []);

function accountId(r) { return typeof r === 'string' ? r : r.account; }

/** A reason string reads "foundational reached 92 days ago; no data_manager_used yet; ARR 120000". */
function reasonsOf(r) { return typeof r.reason === 'string' && r.reason ? r.reason.split(/;\s*/) : []; }

/** Invitee / holdout rows, enriched with what the preview said about each account (name, ARR…). */
function accountTable(rows, caption, known) {
  const objs = rows.map((r) => ({ ...(known.get(accountId(r)) || {}), ...(typeof r === 'string' ? { account: r } : r) }));
  const has = (k) => objs.some((r) => r[k] !== undefined && r[k] !== null && r[k] !== '');
  const cols = [
    { label: 'Account', render: (r) => h('a', { href: hashLink(`accounts/${encodeURIComponent(accountId(r))}`) }, r.name || accountId(r)) },
    has('stage') ? { label: 'Stage', render: (r) => label(r.stage ?? '—') } : null,
    has('arr') ? { label: 'ARR', num: true, render: (r) => money(r.arr) } : null,
    has('renewal_date') ? { label: 'Renewal', render: (r) => day(r.renewal_date) } : null,
    has('csm') ? { key: 'csm', label: 'CSM' } : null,
    has('learners') ? { label: 'Learners invited', num: true, render: (r) => (Array.isArray(r.learners) ? r.learners.length : '—') } : null,
    has('reason') ? { label: 'Why', render: (r) => h('ul', { class: 'reasons' }, reasonsOf(r).map((x) => h('li', {}, x))) } : null,
  ].filter(Boolean);
  return table(cols, objs, { caption, rowAttrs: (r) => ({ 'data-account': accountId(r) }) });
}

/** Fetch the CSV with the key in a header and hand it to the browser as a file. */
export async function downloadCsv(cohortId) {
  const text = await request(`/v1/cohorts/${encodeURIComponent(cohortId)}/invitees.csv`, { as: 'text' });
  saveAs(text, `cohort-${cohortId}-invitees.csv`, 'text/csv');
  return text;
}

function holdoutButton(id) {
  const b = h('button', { type: 'button', class: 'secondary', 'data-holdout': id, 'aria-label': `Download holdout CSV of ${id}` }, 'Holdout CSV');
  b.addEventListener('click', () => step('Downloading the holdout', async () => {
    const text = await request(`/v1/cohorts/${encodeURIComponent(id)}/holdout.csv`, { as: 'text' });
    saveAs(text, `cohort-${id}-holdout.csv`, 'text/csv');
  }));
  return b;
}

function downloadButton(id) {
  const b = h('button', { type: 'button', class: 'secondary', 'data-download': id, 'aria-label': `Download invitee CSV of ${id}` }, 'Download invitee CSV');
  b.addEventListener('click', () => step('Downloading invitees', () => downloadCsv(id)));
  return b;
}

function field(id, text, input, hint) {
  input.id = id;
  input.name = id;
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, text), input, hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null);
}

export async function render(main, ctx) {
  put(main, ...heading('Cohort builder', 'Select the accounts to invite to an accelerator program. A random holdout of eligible accounts is kept out so the program\'s lift can be measured honestly.'));
  const [programsRes, cohortsRes] = await Promise.all([
    step('Loading programs', () => get('/v1/programs')),
    step('Loading cohorts', () => get('/v1/cohorts')),
  ]);
  if (!ctx.isCurrent() || !programsRes) return;
  const programs = listOf(programsRes, 'items');
  if (!programs.length) {
    put(main, h('p', { class: 'card' }, 'No accelerator program is configured. Programs are defined in the "programs" list of content_maps/*.json on the server.'));
    return;
  }
  const byId = new Map(programs.map((p) => [p.id, p]));
  let known = new Map();  // account → what the last preview said about it

  const progSel = h('select', {}, programs.map((p) => h('option', { value: p.id }, p.title || label(p.id))));
  const capacity = h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric', required: true });
  const holdout = h('input', { type: 'number', min: 0, max: 0.9, step: 0.05, inputmode: 'decimal', required: true });
  const seed = h('input', { type: 'number', min: 0, step: 1, value: 1, inputmode: 'numeric' });
  const about = h('p', { class: 'hint', id: 'program-about' });
  const previewBtn = h('button', { type: 'submit' }, 'Preview eligible accounts');
  const createBtn = h('button', { type: 'button', disabled: true }, 'Create cohort');
  const form = h('form', { class: 'card cohort-form', 'aria-label': 'Cohort settings' },
    h('div', { class: 'filters' },
      field('program', 'Program', progSel),
      field('capacity', 'Capacity (invitees)', capacity),
      field('holdout', 'Holdout fraction', holdout, 'share of the ranked pool (invitees + holdout) kept out at random as a control; the preview shows the resulting counts and the smallest lift they can detect'),
      field('seed', 'Random seed', seed, 'Same seed, same holdout')),
    about, h('div', { class: 'actions' }, previewBtn, createBtn));
  const preview = h('section', { class: 'card', 'aria-labelledby': 'preview-h', 'aria-live': 'polite' });
  const existing = h('section', { class: 'card', 'aria-labelledby': 'existing-h' });
  put(main, form, preview, existing);

  function syncProgram() {
    const p = byId.get(progSel.value) || {};
    capacity.value = p.capacity || 30;
    holdout.value = p.holdout_fraction ?? 0.2;
    const el = p.eligibility || {};
    about.textContent = [
      p.target_milestone ? `Target milestone: ${label(p.target_milestone)}.` : '',
      p.sessions ? `${p.sessions} live session${p.sessions === 1 ? '' : 's'}.` : '',
      el.reached ? `Eligible: reached ${label(el.reached)} at least ${el.reached_days_ago_min || 0} days ago` +
        `${el.roles?.length ? `, with a learner in role ${el.roles.join(' or ')}` : ''}.` : '',
    ].filter(Boolean).join(' ');
    createBtn.disabled = true;
    clear(preview);
  }
  progSel.addEventListener('change', syncProgram);
  for (const inp of [capacity, holdout, seed]) inp.addEventListener('input', () => { createBtn.disabled = true; });
  syncProgram();

  /** The request body; empty inputs are left out so the program's defaults apply. */
  function body(preview) {
    const out = { program: progSel.value };
    if (capacity.value !== '') out.capacity = Number(capacity.value);
    if (holdout.value !== '') out.holdout_fraction = Number(holdout.value);
    if (seed.value !== '') out.seed = Number(seed.value);
    if (preview) out.preview = true;
    return out;
  }

  // The minimum detectable effect: the smallest lift this cohort could tell from zero.
  function powerFigure(power) {
    if (!power) return null;
    return power.mde_pct == null
      ? figure('n/a', `minimum detectable lift: ${power.not_estimable}`)
      : figure(`${power.mde_pct.toFixed(1)} %`, 'minimum detectable lift (80 % power)');
  }
  function powerHint(power) {
    if (!power || power.mde_pct == null) return null;
    return h('p', { class: 'hint', 'data-power': '' },
      `With ${power.treated} participants and ${power.control} controls using the feature, a lift smaller than ` +
      `${power.mde_pct.toFixed(1)} % would likely go undetected (80 % power, 5 % significance, if every invitee attends). ` +
      'A larger holdout or capacity lowers it.');
  }

  function showResult(res, created) {
    const invitees = listOf(res, 'invitees');
    const held = listOf(res, 'holdout');
    const eligible = listOf(res, 'eligible');
    if (Array.isArray(res.eligible_accounts)) known = new Map(res.eligible_accounts.map((r) => [r.account, r]));
    const beyond = eligible.length - invitees.length - held.length;
    put(clear(preview),
      h('h2', { id: 'preview-h' }, created ? `Cohort ${res.id} created` : 'Preview (nothing saved yet)'),
      h('div', { class: 'figures' }, figure(String(eligible.length), 'eligible accounts'),
        figure(String(invitees.length), 'invitees'), figure(String(held.length), 'holdout (not invited)'),
        figure(String(beyond), 'eligible beyond capacity'),
        powerFigure(res.power)),
      powerHint(res.power),
      h('p', { class: 'hint' }, created
        ? `Saved as proposed. Mark it sent once the invitations went out: from then on it cannot change, so the holdout stays a fair control.`
        : `Seed ${res.seed}: the same settings and seed always give the same holdout. Cohort id will be ${res.id}.`),
      created ? h('p', {}, downloadButton(res.id)) : null,
      invitees.length ? accountTable(invitees, `Invitees, ranked (${invitees.length})`, known) : h('p', {}, 'No account is eligible with these settings.'),
      held.length ? h('details', {}, h('summary', {}, `Holdout accounts (${held.length})`),
        accountTable(held.map((a) => ({ account: a, reason: known.get(a)?.reason })), 'Holdout: eligible, kept out at random', known)) : null);
    const excluded = Object.entries(res.excluded || {}).sort((a, b) => b[1] - a[1]);
    if (excluded.length) {
      const total = excluded.reduce((n, [, k]) => n + k, 0);
      put(preview, h('details', {}, h('summary', {}, `Not eligible (${total} accounts)`),
        table([{ label: 'Reason', render: ([why]) => why }, { label: 'Accounts', num: true, render: ([, n]) => String(n) }],
          excluded, { caption: 'Accounts not eligible, by reason' })));
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await step('Previewing', () => post('/v1/cohorts', body(true)));
    if (!res) return;
    showResult(res, false);
    createBtn.disabled = false;
  });
  createBtn.addEventListener('click', async () => {
    createBtn.disabled = true;
    const res = await step('Creating cohort', () => post('/v1/cohorts', body(false)));
    if (!res) { createBtn.disabled = false; return; }
    showResult(res, true);
    preview.querySelector('button[data-download]')?.focus();
    listCohorts(await step('Loading cohorts', () => get('/v1/cohorts')));
  });

  function sendButton(c) {
    const b = h('button', { type: 'button', class: 'secondary', 'data-send': c.id, 'aria-label': `Mark ${c.id} sent` }, 'Mark sent');
    b.addEventListener('click', async () => {
      if (!window.confirm(`Mark cohort ${c.id} as sent? It can no longer be changed or deleted afterwards.`)) return;
      const res = await step('Marking sent', () => post(`/v1/cohorts/${encodeURIComponent(c.id)}/send`));
      if (res) listCohorts(await step('Loading cohorts', () => get('/v1/cohorts')));
    });
    return b;
  }

  function closeButton(c) {
    const b = h('button', { type: 'button', class: 'secondary', 'data-close': c.id, 'aria-label': `Close ${c.id}` }, 'Close');
    b.addEventListener('click', async () => {
      if (!window.confirm(`Close cohort ${c.id}? Its accounts become eligible for other cohorts; the cohort itself (and its holdout) is kept as it is.`)) return;
      const res = await step('Closing', () => post(`/v1/cohorts/${encodeURIComponent(c.id)}/close`));
      if (res) listCohorts(await step('Loading cohorts', () => get('/v1/cohorts')));
    });
    return b;
  }

  function listCohorts(res) {
    if (!res) return;
    const items = listOf(res, 'items');
    put(clear(existing), h('h2', { id: 'existing-h' }, 'Existing cohorts'),
      items.length ? table([
        { key: 'id', label: 'Cohort' },
        { label: 'Program', render: (c) => byId.get(c.program)?.title || label(c.program) },
        { label: 'Status', render: (c) => (c.closed_after_last_session ? `closed after its last session (${day(c.closed_after_last_session)})` : label(c.phase || c.status)) },
        { label: 'Eligible as of', render: (c) => day(c.created_at) },
        { key: 'invitees_count', label: 'Invitees', num: true },
        { key: 'holdout_count', label: 'Holdout', num: true },
        { label: 'Actions', render: (c) => h('div', { class: 'actions' }, downloadButton(c.id), holdoutButton(c.id), c.status === 'proposed' ? sendButton(c) : null,
          c.status === 'sent' && c.phase !== 'closed' ? closeButton(c) : null) },
      ], items, { caption: 'Cohorts already created', rowAttrs: (c) => ({ 'data-cohort': c.id }) }) : h('p', {}, 'No cohort yet.'));
  }
  listCohorts(cohortsRes);
}
