// SVG charts built with DOM calls (no markup strings, no inline styles; colours come from
// classes in console.css). Every chart carries a <title>/<desc> and role="img"; the pages also
// show the numbers in a table, so the chart is never the only way to read them.
import { s } from './dom.js';

function frame(width, height, title, desc, cls) {
  const id = `c${Math.random().toString(36).slice(2, 8)}`;
  return s('svg', {
    viewBox: `0 0 ${width} ${height}`, width, class: `chart ${cls || ''}`, role: 'img',
    'aria-labelledby': `${id}-t ${id}-d`, preserveAspectRatio: 'xMinYMin meet',
  }, s('title', { id: `${id}-t` }, title), s('desc', { id: `${id}-d` }, desc || title));
}

/**
 * Funnel: one centred bar per stage, widths proportional to the count.
 * rows: [{label, value}], in stage order.
 */
export function funnel(rows, { title = 'Accounts per stage', width = 720 } = {}) {
  const rowH = 40, top = 8, labelW = Math.round(width * 0.24), valueW = Math.round(width * 0.22);
  const barArea = width - labelW - valueW;
  const total = rows.reduce((a, r) => a + r.value, 0);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const desc = rows.map((r) => `${r.label}: ${r.value}`).join(', ');
  const svg = frame(width, top * 2 + rows.length * rowH, title, desc, 'funnel');
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(2, (r.value / max) * barArea);
    const x = labelW + (barArea - w) / 2;
    const share = total ? (100 * r.value) / total : 0;
    svg.append(
      s('text', { x: labelW - 12, y: y + rowH / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.label),
      s('rect', { x, y: y + 5, width: w, height: rowH - 10, rx: 4, class: `bar stage-${i % 6}`, 'data-stage': r.key ?? r.label, 'data-count': r.value }),
      s('text', { x: labelW + barArea + 12, y: y + rowH / 2, class: 'value', 'dominant-baseline': 'middle', 'data-stage': r.key ?? r.label }, `${r.value}`),
      s('text', { x: labelW + barArea + 50, y: y + rowH / 2, class: 'muted', 'dominant-baseline': 'middle' }, `(${share.toFixed(1)} %)`),
    );
  });
  return svg;
}

/**
 * Horizontal bars with optional 95 % interval whiskers.
 * rows: [{label, value, ci?: [lo, hi], cls?, group?}]; format: number → string.
 */
export function bars(rows, { title, desc, format = String, width = 720, unit = '' } = {}) {
  const rowH = 34, top = 26, labelW = 230, rightPad = 90;
  const values = rows.flatMap((r) => [r.value, ...(r.ci || [])]).filter((v) => Number.isFinite(v));
  const lo = Math.min(0, ...values), hi = Math.max(0, ...values, 1e-9);
  const plotW = width - labelW - rightPad;
  const x = (v) => labelW + ((v - lo) / (hi - lo || 1)) * plotW;
  let groups = 0;
  let prevGroup;
  for (const r of rows) if (r.group !== undefined && r.group !== prevGroup) { groups++; prevGroup = r.group; }
  const height = top + rows.length * rowH + groups * 22 + 10;
  const svg = frame(width, height, title, desc || rows.map((r) => `${r.group ? `${r.group} ` : ''}${r.label}: ${format(r.value)}`).join('; '), 'bars');
  svg.append(
    s('line', { x1: x(0), x2: x(0), y1: top - 6, y2: height - 4, class: 'axis' }),
    s('text', { x: x(0), y: 14, class: 'muted small', 'text-anchor': 'middle' }, `0${unit}`),
  );
  let y = top;
  prevGroup = undefined;
  for (const r of rows) {
    if (r.group !== undefined && r.group !== prevGroup) {
      svg.append(s('text', { x: 4, y: y + 14, class: 'group' }, r.group));
      y += 22;
      prevGroup = r.group;
    }
    const v = Number.isFinite(r.value) ? r.value : 0;
    const x0 = Math.min(x(0), x(v)), w = Math.max(1, Math.abs(x(v) - x(0)));
    svg.append(
      s('text', { x: labelW - 10, y: y + rowH / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.label),
      s('rect', { x: x0, y: y + 7, width: w, height: rowH - 14, class: `bar ${r.cls || ''}` }),
    );
    if (r.ci && r.ci.length === 2 && r.ci.every(Number.isFinite)) {
      const [a, b] = r.ci.map(x), cy = y + rowH / 2;
      svg.append(
        s('line', { x1: a, x2: b, y1: cy, y2: cy, class: 'whisker' }),
        s('line', { x1: a, x2: a, y1: cy - 7, y2: cy + 7, class: 'whisker' }),
        s('line', { x1: b, x2: b, y1: cy - 7, y2: cy + 7, class: 'whisker' }),
      );
    }
    const end = Math.max(x(v), r.ci ? x(Math.max(...r.ci)) : 0);
    svg.append(s('text', { x: Math.min(end + 8, width - rightPad + 8), y: y + rowH / 2, class: 'value', 'dominant-baseline': 'middle' },
      Number.isFinite(r.value) ? format(r.value) : 'n/a'));
    y += rowH;
  }
  return svg;
}

/**
 * Share moved per stage against a target line: one bar per stage (0–100 %), the target drawn as
 * a vertical tick across its bar. rows: [{label, value, target?, met?}].
 */
export function progress(rows, { title, width = 560 } = {}) {
  const rowH = 30, top = 22, labelW = 150, rightPad = 120;
  const plotW = width - labelW - rightPad;
  const x = (v) => labelW + (Math.max(0, Math.min(100, v)) / 100) * plotW;
  const height = top + rows.length * rowH + 8;
  const desc = rows.map((r) => `${r.label}: ${r.value.toFixed(1)} % moved` +
    (Number.isFinite(r.target) ? `, target ${r.target.toFixed(1)} %` : ', no target')).join('; ');
  const svg = frame(width, height, title, desc, 'progress');
  svg.append(
    s('line', { x1: x(0), x2: x(0), y1: top - 6, y2: height - 4, class: 'axis' }),
    s('text', { x: x(0), y: 14, class: 'muted small', 'text-anchor': 'middle' }, '0 %'),
    s('text', { x: x(100), y: 14, class: 'muted small', 'text-anchor': 'middle' }, '100 %'),
  );
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const cls = r.met === true ? 'met' : r.met === false ? 'below' : 'untargeted';
    svg.append(
      s('text', { x: labelW - 10, y: y + rowH / 2, class: 'label', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.label),
      s('rect', { x: x(0), y: y + 6, width: Math.max(1, x(r.value) - x(0)), height: rowH - 12, class: `bar ${cls}`,
        'data-stage': r.key ?? r.label, 'data-share': r.value.toFixed(1) }),
    );
    if (Number.isFinite(r.target)) {
      svg.append(s('line', { x1: x(r.target), x2: x(r.target), y1: y + 2, y2: y + rowH - 2, class: 'target',
        'data-stage': r.key ?? r.label, 'data-target': r.target.toFixed(1) }));
    }
    svg.append(s('text', { x: x(100) + 10, y: y + rowH / 2, class: 'value', 'dominant-baseline': 'middle' },
      `${r.value.toFixed(1)} %${Number.isFinite(r.target) ? ` / ${r.target.toFixed(1)} %` : ''}`));
  });
  return svg;
}
