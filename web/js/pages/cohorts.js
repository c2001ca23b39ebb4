// Cohort builder: pick an accelerator program, preview who is eligible and why (a dry run),
// adjust capacity / holdout / seed, create the cohort and download its invitee CSV.
import { h, clear, label, money, day, put } from '../dom.js';
import { get, post, request } from '../api.js';
import { heading, step, table, figure, hashLink } from '../ui.js';

const listOf = (res, ...keys) => (Array.isArray(res) ? res : keys.map((k) => res?.[k]).find(Array.isArray) || []);

function accountId(r) { return typeof r === 'string' ? r : r.account ?? r.account_id ?? r.id; }

function reasonText(r) {
  if (typeof r === 'string') return r;
  return Object.entries(r).map(([k, v]) => `${label(k)}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

function reasonsOf(r) {
  if (Array.isArray(r.reasons)) return r.reasons.map(reasonText);
  // A single reason string reads "foundational 92 days ago; no data_manager_edit; ARR 120,000".
  if (typeof r.reason === 'string' && r.reason) return r.reason.split(/;\s*/);
  return [];
}

/** Rows are ids or objects; columns only for what the server sent. */
function accountTable(rows, caption) {
  const objs = rows.map((r) => (typeof r === 'string' ? { account: r } : r));
  const has = (k) => objs.some((r) => r[k] !== undefined && r[k] !== null && r[k] !== '');
  const cols = [
    { label: 'Account', render: (r) => h('a', { href: hashLink(`accounts/${encodeURIComponent(accountId(r))}`) }, r.name || r.account_name || accountId(r)) },
    has('stage') ? { label: 'Stage', render: (r) => label(r.stage ?? '—') } : null,
    has('arr') ? { label: 'ARR', num: true, render: (r) => money(r.arr) } : null,
    has('renewal_date') ? { label: 'Renewal', render: (r) => day(r.renewal_date) } : null,
    has('csm') ? { key: 'csm', label: 'CSM' } : null,
    has('learners') ? { label: 'Learners invited', num: true, render: (r) => (Array.isArray(r.learners) ? r.learners.length : r.learners) } : null,
    has('reasons') || has('reason') ? { label: 'Why', render: (r) => h('ul', { class: 'reasons' }, reasonsOf(r).map((x) => h('li', {}, x))) } : null,
  ].filter(Boolean);
  return table(cols, objs, { caption, rowAttrs: (r) => ({ 'data-account': accountId(r) }) });
}

/** Fetch the CSV with the key in a header and hand it to the browser as a file. */
export async function downloadCsv(cohortId) {
  const text = await request(`/v1/cohorts/${encodeURIComponent(cohortId)}/invitees.csv`, { as: 'text' });
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = h('a', { href: url, download: `cohort-${cohortId}-invitees.csv`, class: 'visually-hidden' }, 'download');
  put(document.body, a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return text;
}

function downloadButton(id) {
  const b = h('button', { type: 'button', class: 'secondary', 'data-download': id }, `Download invitee CSV`);
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
  const programs = listOf(programsRes, 'items', 'programs');
  const byId = new Map(programs.map((p) => [p.id, p]));

  const progSel = h('select', {}, programs.map((p) => h('option', { value: p.id }, p.title || label(p.id))));
  const capacity = h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const holdout = h('input', { type: 'number', min: 0, max: 0.9, step: 0.05, inputmode: 'decimal' });
  const seed = h('input', { type: 'number', min: 0, step: 1, value: 1, inputmode: 'numeric' });
  const about = h('p', { class: 'hint', id: 'program-about' });
  const previewBtn = h('button', { type: 'submit' }, 'Preview eligible accounts');
  const createBtn = h('button', { type: 'button', disabled: true }, 'Create cohort');
  const form = h('form', { class: 'card cohort-form', 'aria-label': 'Cohort settings' },
    h('div', { class: 'filters' },
      field('program', 'Program', progSel),
      field('capacity', 'Capacity (invitees)', capacity),
      field('holdout', 'Holdout fraction', holdout, '0.2 keeps 20 % of eligible accounts out as a control'),
      field('seed', 'Random seed', seed, 'Same seed, same holdout')),
    about, h('div', { class: 'actions' }, previewBtn, createBtn));
  const preview = h('section', { class: 'card', 'aria-labelledby': 'preview-h', 'aria-live': 'polite' });
  const existing = h('section', { class: 'card', 'aria-labelledby': 'existing-h' });
  put(main, form, preview, existing);

  function syncProgram() {
    const p = byId.get(progSel.value) || {};
    capacity.value = p.capacity ?? 30;
    holdout.value = p.holdout_fraction ?? 0.2;
    about.textContent = [p.target || p.target_milestone ? `Target milestone: ${label(p.target || p.target_milestone)}.` : '',
      p.sessions ? `${p.sessions} sessions.` : '', p.description || ''].filter(Boolean).join(' ');
    createBtn.disabled = true;
    clear(preview);
  }
  progSel.addEventListener('change', syncProgram);
  for (const inp of [capacity, holdout, seed]) inp.addEventListener('input', () => { createBtn.disabled = true; });
  syncProgram();

  const body = (dryRun) => ({ program: progSel.value, capacity: Number(capacity.value), holdout_fraction: Number(holdout.value),
    seed: Number(seed.value), dry_run: dryRun });

  function showResult(res, created) {
    const invitees = listOf(res, 'invitees');
    const held = listOf(res, 'holdout');
    const eligible = res.eligible_count ?? (Array.isArray(res.eligible) ? res.eligible.length : res.eligible) ?? invitees.length + held.length;
    put(clear(preview), 
      h('h2', { id: 'preview-h' }, created ? `Cohort ${res.id} created` : 'Preview (nothing saved yet)'),
      h('div', { class: 'figures' }, figure(String(eligible), 'eligible accounts'),
        figure(String(invitees.length), 'invitees'), figure(String(held.length), 'holdout (not invited)')),
      created ? h('p', {}, downloadButton(res.id)) : null,
      accountTable(invitees, `Invitees, ranked (${invitees.length})`),
      held.length ? h('details', {}, h('summary', {}, `Holdout accounts (${held.length})`), accountTable(held, 'Holdout: eligible, kept out at random')) : null);
    const notEligible = listOf(res, 'excluded', 'not_eligible');
    if (notEligible.length) {
      put(preview, h('details', {}, h('summary', {}, `Not eligible (${notEligible.length})`), accountTable(notEligible.slice(0, 100), 'Not eligible, with the reason')));
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
    listCohorts(await get('/v1/cohorts').catch(() => null));
  });

  function listCohorts(res) {
    const items = listOf(res, 'items', 'cohorts');
    put(clear(existing), h('h2', { id: 'existing-h' }, 'Existing cohorts'),
      items.length ? table([
        { key: 'id', label: 'Cohort' },
        { label: 'Program', render: (c) => label(c.program) },
        { label: 'Created', render: (c) => day(c.created_at) },
        { label: 'Invitees', num: true, render: (c) => c.invitees_count ?? c.invitee_count ?? (Array.isArray(c.invitees) ? c.invitees.length : c.invitees) ?? '—' },
        { label: 'Holdout', num: true, render: (c) => c.holdout_count ?? (Array.isArray(c.holdout) ? c.holdout.length : c.holdout) ?? '—' },
        { label: 'Export', render: (c) => downloadButton(c.id) },
      ], items, { caption: 'Cohorts already created', rowAttrs: (c) => ({ 'data-cohort': c.id }) }) : h('p', {}, 'No cohort yet.'));
  }
  listCohorts(cohortsRes);
}
