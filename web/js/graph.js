// Draws an account's milestone graph: columns by dependency depth (a milestone sits one column
// right of the deepest milestone it requires or gates over), each node showing reached ✔ with
// its date, progress toward it ("2/3 groups"), or not reached. Frontier milestones are outlined.
import { s, label, day } from './dom.js';

/** Edges into a milestone: its requires plus the operands of its gate. */
export function inputsOf(m) {
  const gate = m.gate || {};
  const ops = m.of || m.operands || gate.operands || gate.of || [];
  return [...new Set([...(m.requires || []), ...(Array.isArray(ops) ? ops : [])])];
}

/** Column index per milestone id (longest path from a root). */
export function layers(milestones) {
  const byId = new Map(milestones.map((m) => [m.id, m]));
  const depth = new Map();
  const visit = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id) || !byId.has(id)) return 0;
    seen.add(id);
    const m = byId.get(id);
    const ins = [...inputsOf(m), ...(m.expects || [])].filter((x) => byId.has(x));
    const d = ins.length ? 1 + Math.max(...ins.map((x) => visit(x, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  milestones.forEach((m) => visit(m.id));
  return depth;
}

function progressText(p) {
  if (!p) return '';
  const cur = Number(p.current ?? 0), tgt = Number(p.target ?? 0);
  const f = (v) => (Number.isInteger(v) ? v : v.toFixed(1));
  return `${f(cur)}/${f(tgt)}${p.unit ? ` ${p.unit}` : ''}`;
}

/** state: {milestone id → {achieved, achieved_at, progress}}; frontier: Set of ids. */
export function milestoneGraph(graph, state, frontier) {
  const ms = graph.milestones || [];
  const depth = layers(ms);
  const cols = [];
  for (const m of ms) (cols[depth.get(m.id)] ||= []).push(m);
  const nodeW = 196, nodeH = 68, gapX = 54, gapY = 16, pad = 12;
  const rows = Math.max(1, ...cols.map((c) => (c ? c.length : 0)));
  const width = pad * 2 + cols.length * nodeW + (cols.length - 1) * gapX;
  const height = pad * 2 + rows * nodeH + (rows - 1) * gapY;
  const pos = new Map();
  cols.forEach((col, ci) => (col || []).forEach((m, ri) => {
    const offset = ((rows - col.length) * (nodeH + gapY)) / 2;
    pos.set(m.id, { x: pad + ci * (nodeW + gapX), y: pad + offset + ri * (nodeH + gapY) });
  }));
  const reached = ms.filter((m) => state[m.id]?.achieved).length;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart milestone-graph', role: 'img',
    width, 'aria-labelledby': 'mg-t' },
  s('title', { id: 'mg-t' }, `Milestone graph: ${reached} of ${ms.length} milestones reached`),
  s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))));
  for (const m of ms) {
    const to = pos.get(m.id);
    for (const from of inputsOf(m)) {
      const a = pos.get(from);
      if (!a) continue;
      const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = to.x, y2 = to.y + nodeH / 2, mx = (x1 + x2) / 2;
      svg.append(s('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
        class: `edge ${state[from]?.achieved ? 'edge-done' : ''}`, 'marker-end': 'url(#arrow)' }));
    }
    for (const from of m.expects || []) {
      const a = pos.get(from);
      if (!a) continue;
      const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = to.x, y2 = to.y + nodeH / 2, mx = (x1 + x2) / 2;
      svg.append(s('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, class: 'edge expects' }));
    }
  }
  for (const m of ms) {
    const { x, y } = pos.get(m.id);
    const st = state[m.id] || {};
    const status = st.achieved ? 'reached' : st.progress && Number(st.progress.current) > 0 ? 'progress' : 'not-reached';
    const line2 = st.achieved ? `✔ reached ${day(st.achieved_at)}`
      : st.progress ? `in progress ${progressText(st.progress)}` : 'not reached';
    const title = m.title || label(m.id);
    const g = s('g', { class: `node ${status}${frontier.has(m.id) ? ' frontier' : ''}`, 'data-milestone': m.id, 'data-status': status },
      s('title', {}, `${title}: ${line2}${frontier.has(m.id) ? ' (next up: on the frontier)' : ''}${m.describe ? ` — ${m.describe}` : ''}`),
      s('rect', { x, y, width: nodeW, height: nodeH, rx: 8 }),
      s('text', { x: x + 10, y: y + 20, class: 'node-title' }, title.length > 26 ? `${title.slice(0, 25)}…` : title),
      s('text', { x: x + 10, y: y + 40, class: 'node-status' }, line2));
    if (m.stage) g.append(s('text', { x: x + 10, y: y + 58, class: 'node-stage' }, `stage: ${label(m.stage)}`));
    svg.append(g);
  }
  return svg;
}
