// Alerts: what the trigger rules raised and how each delivery went (GET /v1/alerts), filtered by
// rule, CSM and status, with a Redeliver button per alert for admins (POST .../redeliver).
import { h, clear, put } from '../dom.js';
import { get, request } from '../api.js';
import { heading, step, table, figure, hashLink, showError, done } from '../ui.js';

const STATUSES = ['', 'pending', 'retrying', 'sent', 'dead', 'partial', 'recorded'];

function deliveryText(d) {
  let t = `${d.destination}: ${d.status}`;
  if (d.attempts > 1) t += ` after ${d.attempts} attempts`;
  if (d.status !== 'sent' && d.last_error) t += ` (${d.last_error})`;
  return t;
}

export async function render(main, ctx) {
  const p = ctx.params;
  put(main, ...heading('Alerts', 'Adoption signals the trigger rules raised (triggers/*.json), newest first, and where each went: Slack, signed webhooks, or only recorded here when no destination is configured.'));
  const config = await step('Loading trigger rules', () => get('/v1/triggers'));
  if (!config || !ctx.isCurrent()) return;
  const rule = h('select', { id: 'alerts-trigger', name: 'trigger' },
    h('option', { value: '' }, 'every rule'),
    ...config.items.map((r) => h('option', { value: r.id, selected: p.get('trigger') === r.id }, r.title || r.id)));
  const status = h('select', { id: 'alerts-status', name: 'status' },
    ...STATUSES.map((s) => h('option', { value: s, selected: (p.get('status') || '') === s }, s || 'any status')));
  const csm = h('input', { id: 'alerts-csm', name: 'csm', value: p.get('csm') || '', autocomplete: 'off' });
  const form = h('form', { class: 'filters', 'aria-label': 'Filter the alerts' },
    h('div', { class: 'field' }, h('label', { for: 'alerts-trigger' }, 'Rule'), rule),
    h('div', { class: 'field' }, h('label', { for: 'alerts-csm' }, 'CSM'), csm),
    h('div', { class: 'field' }, h('label', { for: 'alerts-status' }, 'Status'), status),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = hashLink('alerts', { trigger: rule.value, csm: csm.value.trim(), status: status.value });
  });
  const out = h('div', { id: 'alerts-results' });
  put(main, form, out);

  const page = Number(p.get('page') || 1);
  const query = { trigger: p.get('trigger') || '', csm: p.get('csm') || '', status: p.get('status') || '', page, per_page: 50 };
  const list = await step('Loading alerts', () => get('/v1/alerts', query));
  if (!list || !ctx.isCurrent()) return;
  const redeliver = (a) => async (e) => {
    const btn = e.currentTarget;
    btn.disabled = true;
    try {
      const r = await request(`/v1/alerts/${encodeURIComponent(a.id)}/redeliver`, { method: 'POST' });
      done(`Alert ${a.id} queued again for ${r.queued.join(', ')}`);
      btn.textContent = 'Queued';
    } catch (err) {
      showError(err);
      btn.disabled = false;
    }
  };
  const dests = config.destinations.map((d) => `${d.name} (${d.type})`).join(', ');
  put(clear(out),
    h('div', { class: 'figures' },
      figure(String(list.total), 'alerts'),
      figure(String(config.items.length), 'trigger rules'),
      figure(String(config.destinations.length), 'destinations')),
    h('p', { id: 'alerts-destinations' }, config.destinations.length
      ? `Delivered to ${dests}${config.delivering ? '' : ' — not by this server (started with --no-alerts)'}.`
      : 'No destination is configured: alerts are recorded here only (add "destinations" to a triggers/*.json file).'),
    list.items.length ? table([
      { key: 'fired_at', label: 'Fired', render: (a) => a.fired_at.replace('T', ' ').slice(0, 16) },
      { key: 'title', label: 'Rule', render: (a) => a.title || a.rule },
      { key: 'account', label: 'Account', render: (a) => h('a', { href: hashLink(`accounts/${encodeURIComponent(a.account.id)}`) }, a.account.name || a.account.id) },
      { key: 'csm', label: 'CSM', render: (a) => a.account.csm || '' },
      { key: 'what', label: 'What changed' },
      { key: 'status', label: 'Delivery', render: (a) => h('span', { class: `status status-${a.status}`, title: a.deliveries.map(deliveryText).join('\n') },
        a.status, a.deliveries.length ? h('span', { class: 'note' }, ' · ' + a.deliveries.map(deliveryText).join('; ')) : null) },
      { key: 'id', label: 'Action', render: (a) => (a.deliveries.length
        ? h('button', { type: 'button', class: 'secondary', 'data-redeliver': a.id, onclick: redeliver(a) }, 'Redeliver') : '') },
    ], list.items, { caption: `Alerts ${(page - 1) * 50 + 1}–${(page - 1) * 50 + list.items.length} of ${list.total}`, rowAttrs: (a) => ({ 'data-alert': a.id, 'data-status': a.status }) })
      : h('p', { id: 'alerts-none' }, 'No alert matches.'),
    h('div', { class: 'actions' },
      page > 1 ? h('a', { href: hashLink('alerts', { ...query, page: page - 1, per_page: undefined }) }, '← newer') : null,
      page * 50 < list.total ? h('a', { href: hashLink('alerts', { ...query, page: page + 1, per_page: undefined }) }, 'older →') : null));
}
