// One account: its stage, ARR, renewal, flags, the milestone graph drawn with what was reached
// and when, and its learners with their recommended next learning items (fetched on demand).
import { h, clear, label, money, day, num, put } from '../dom.js';
import { get } from '../api.js';
import { heading, step, table, figure, hashLink } from '../ui.js';
import { milestoneGraph } from '../graph.js';

function milestoneState(account) {
  const out = {};
  const list = account.milestones || [];
  if (Array.isArray(list)) for (const m of list) out[m.id] = m;
  else Object.assign(out, list);
  return out;
}

function frontierIds(account) {
  return new Set((account.frontier || []).map((m) => (typeof m === 'string' ? m : m.id)));
}

function reasonText(r) {
  if (typeof r === 'string') return r;
  if (r.frontier) return `next milestone: ${label(r.frontier)}${r.progress ? ` (${r.progress})` : ''}`;
  if (r.path) return `on the learning path ${label(r.path)}${r.segment ? ` for ${label(r.segment)}` : ''}`;
  if (r.segment) return `for segment ${label(r.segment)}`;
  return Object.entries(r).map(([k, v]) => `${label(k)}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

function recommendationList(recs) {
  const items = recs.items || recs.recommendations || [];
  if (!items.length) return h('p', {}, 'Nothing to recommend: this learner has taken everything relevant.');
  return h('ol', { class: 'recs' }, items.map((it) => h('li', { 'data-content': it.id },
    h('span', { class: 'rec-title' }, it.title || it.id),
    h('span', { class: 'tag' }, it.type || 'item'),
    it.minutes ? h('span', { class: 'muted' }, ` ${it.minutes} min`) : null,
    it.badge ? h('span', { class: 'tag badge' }, `badge: ${it.badge.name ?? it.badge}`) : null,
    h('ul', { class: 'reasons' }, (it.reasons || []).map((r) => h('li', {}, reasonText(r)))))));
}

function learnerRow(l) {
  const body = h('div', { class: 'learner-recs' });
  const det = h('details', { class: 'learner', 'data-learner': l.id },
    h('summary', {}, h('strong', {}, l.email || l.id), ` — ${label(l.role || 'no role')}`,
      l.access_level ? `, ${label(l.access_level)}` : '', l.segments?.length ? h('span', { class: 'muted' }, ` (${l.segments.map(label).join(', ')})`) : null),
    body);
  let loaded = false;
  det.addEventListener('toggle', async () => {
    if (!det.open || loaded) return;
    loaded = true;
    put(body, h('p', { class: 'muted' }, 'Loading recommendations…'));
    const recs = await step('Loading recommendations', () => get(`/v1/learners/${encodeURIComponent(l.id)}/recommendations`, { limit: 5 }));
    put(clear(body), recs ? recommendationList(recs) : h('p', {}, 'Could not load recommendations (see the message above).'));
    if (!recs) loaded = false;
  });
  return det;
}

async function learnersOf(account) {
  // The account lists learner ids; the learner list endpoint gives their email and role.
  if (Array.isArray(account.learners) && account.learners.every((l) => typeof l === 'object')) return account.learners;
  const res = await get('/v1/learners', { account: account.id, per_page: 100 });
  return res.items || res.learners || [];
}

export async function render(main, ctx) {
  const id = ctx.parts[1];
  const [account, graph] = await Promise.all([
    step('Loading account', () => get(`/v1/accounts/${encodeURIComponent(id)}`)),
    step('Loading milestone graph', () => get('/v1/milestones')),
  ]);
  if (!ctx.isCurrent()) return;
  put(main, h('p', { class: 'crumbs' }, h('a', { href: '#/accounts' }, '← All accounts')));
  if (!account) { put(main, ...heading(`Account ${id}`)); return; }

  const state = milestoneState(account);
  const frontier = frontierIds(account);
  const flags = account.flags || [];
  put(main, ...heading(account.name || account.id, `${account.id} · ${label(account.tier || '')} · ${account.plan || ''} plan`),
    h('div', { class: 'figures' },
      figure(label(account.stage), 'adoption stage', 'stage'),
      figure(money(account.arr), 'ARR'),
      figure(account.csm || '—', 'CSM'),
      figure(day(account.renewal_date), 'renewal date')),
    flags.length ? h('section', { class: 'card warn', 'aria-labelledby': 'flags-h' },
      h('h2', { id: 'flags-h' }, 'Flags'),
      h('ul', {}, flags.map((f) => h('li', { 'data-flag': f.kind }, h('strong', {}, label(f.kind)),
        f.milestone ? ` (${label(f.milestone)})` : '', f.detail ? `: ${f.detail}` : '')))) : null);

  const graphBox = h('section', { class: 'card', 'aria-labelledby': 'graph-h' }, h('h2', { id: 'graph-h' }, 'Milestones'));
  if (graph) {
    put(graphBox, 
      h('p', { class: 'legend' }, h('span', { class: 'key reached' }, '✔ reached (date)'),
        h('span', { class: 'key progress' }, 'in progress (current/target)'),
        h('span', { class: 'key not-reached' }, 'not reached'), h('span', { class: 'key frontier' }, 'next up (frontier)'),
        h('span', { class: 'key expects' }, 'dotted line: should come after (out-of-order check)')),
      h('div', { class: 'graph-scroll', tabindex: '0', 'aria-label': 'Milestone graph (scrollable)' }, milestoneGraph(graph, state, frontier)));
  }
  const rows = (graph?.milestones || Object.keys(state).map((k) => ({ id: k }))).map((m) => ({ ...m, st: state[m.id] || {} }));
  put(graphBox, h('details', { class: 'as-table' }, h('summary', {}, 'Milestones as a table'),
    table([
      { label: 'Milestone', render: (m) => m.title || label(m.id) },
      { label: 'Status', render: (m) => (m.st.achieved ? `✔ reached ${day(m.st.achieved_at)}` : frontier.has(m.id) ? 'next up' : 'not reached') },
      { label: 'Progress', render: (m) => (m.st.progress && !m.st.achieved ? `${num(m.st.progress.current)}/${num(m.st.progress.target)} ${m.st.progress.unit || ''}` : '—') },
      { label: 'Definition', render: (m) => m.describe || '—' },
    ], rows, { caption: 'Milestones of this account', rowAttrs: (m) => ({ 'data-milestone': m.id }) })));
  put(main, graphBox);

  const learnerBox = h('section', { class: 'card', 'aria-labelledby': 'learners-h' }, h('h2', { id: 'learners-h' }, 'Learners'));
  put(main, learnerBox);
  const learners = await step('Loading learners', () => learnersOf(account));
  if (!ctx.isCurrent() || !learners) return;
  put(learnerBox, ...(learners.length
    ? [h('p', { class: 'hint' }, `${learners.length} learner${learners.length === 1 ? '' : 's'}. Open one to see what uplift recommends they take next, and why.`),
      ...learners.map(learnerRow)]
    : [h('p', {}, 'No learners are known for this account.')]));
  put(main, h('p', {}, h('a', { href: hashLink('cohorts') }, 'Build an accelerator cohort →')));
}
