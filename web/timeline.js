// Timeline: one lane per alert group (a signature on a host), a bar from its first to its last
// alert, ticks for the alerts listed on the page. Inline SVG sized to the card; time runs left
// to right across the incident's span, with a few labelled ticks.
import { s, h, fmtTime, fmtCount } from './dom.js';

const LANE = 26, LABEL = 230, TOP = 22, RIGHT = 16, MAX_LANES = 16;
const NOVELTY_COLOR = { 'new signature': 'var(--red)', 'new on entity': 'var(--amber)', 'rare return': 'var(--violet)', burst: 'var(--pink)' };

function ticks(t0, t1, n) {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(t0 + ((t1 - t0) * i) / n);
  return out;
}

function shortTime(ms, spanMs) {
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, '0');
  return spanMs > 2 * 86400e3 ? `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}h` : `${p(d.getHours())}:${p(d.getMinutes())}${spanMs < 600e3 ? ':' + p(d.getSeconds()) : ''}`;
}

export function renderTimeline(doc) {
  const groups = [...(doc.groups || [])].sort((a, b) => new Date(a.first_seen) - new Date(b.first_seen));
  if (!groups.length) return h('p', { class: 'reason' }, 'No alert groups.');
  const shown = groups.slice(0, MAX_LANES);
  const hidden = groups.length - shown.length;
  let t0 = new Date(doc.first_seen).getTime();
  let t1 = new Date(doc.last_seen).getTime();
  if (!(t1 > t0)) { t0 -= 30e3; t1 += 30e3; }
  const pad = (t1 - t0) * 0.02;
  t0 -= pad; t1 += pad;
  const width = 760;
  const height = TOP + shown.length * LANE + (hidden ? LANE : 0) + 8;
  const x = (ms) => LABEL + ((ms - t0) / (t1 - t0)) * (width - LABEL - RIGHT);
  const svg = s('svg', { class: 'timeline', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Incident timeline' });

  const axis = s('g', { class: 'axis' });
  for (const t of ticks(t0 + pad, t1 - pad, 4)) {
    axis.append(s('line', { x1: x(t), x2: x(t), y1: TOP - 6, y2: height - 4, 'stroke-dasharray': '2 4' }),
      s('text', { x: x(t), y: 12, 'text-anchor': 'middle' }, shortTime(t, t1 - t0)));
  }
  svg.append(axis);

  // Alert ticks from the page's alert records, by lane (signature + host).
  const laneOf = new Map(shown.map((g, i) => [`${g.title}\u0000${g.host}`, i]));
  const oneHost = new Set(groups.map((g) => g.host)).size === 1;  // then the host is said once, above
  shown.forEach((g, i) => {
    const y = TOP + i * LANE;
    const a = new Date(g.first_seen).getTime();
    const b = new Date(g.last_seen).getTime();
    const color = NOVELTY_COLOR[g.novelty] || 'var(--accent)';
    const label = `${g.title}${g.host && !oneHost ? ' @ ' + g.host : ''}`;
    svg.append(
      s('rect', { class: 'lane', x: LABEL, y: y + 3, width: width - LABEL - RIGHT, height: LANE - 6, rx: 3 }),
      s('text', { x: LABEL - 8, y: y + LANE / 2 + 4, 'text-anchor': 'end' }, label.length > 34 ? label.slice(0, 33) + '…' : label,
        s('title', {}, `${g.sensor}: ${label}`)),
      s('rect', { x: x(a), y: y + 7, width: Math.max(4, x(b) - x(a)), height: LANE - 14, rx: 3, fill: color, opacity: 0.85 },
        s('title', {}, `${label}\n${fmtCount(g.count)} alerts, ${fmtTime(g.first_seen)} – ${fmtTime(g.last_seen)}${g.novelty ? '\n' + g.novelty : ''}`)),
      // The count sits after the bar, or before it when the bar ends at the right edge.
      x(b) + 50 > width
        ? s('text', { x: x(a) - 6, y: y + LANE / 2 + 4, class: 'muted', 'text-anchor': 'end' }, `×${fmtCount(g.count)}`)
        : s('text', { x: x(b) + 6, y: y + LANE / 2 + 4, class: 'muted' }, `×${fmtCount(g.count)}`));
  });
  for (const item of doc.alert_records ? doc.alert_records.items : []) {
    const a = item.alert || {};
    const lane = laneOf.get(`${a.title}\u0000${(a.entities || {}).host || ''}`);
    if (lane === undefined || !a.time) continue;
    const xx = x(new Date(a.time).getTime());
    svg.append(s('line', { x1: xx, x2: xx, y1: TOP + lane * LANE + 8, y2: TOP + lane * LANE + LANE - 8, stroke: 'var(--panel)', 'stroke-width': 1, opacity: 0.35 }));
  }
  if (hidden) {
    svg.append(s('text', { x: LABEL - 8, y: TOP + shown.length * LANE + LANE / 2 + 4, 'text-anchor': 'end', class: 'muted' }, `+${hidden} more groups`));
  }
  const legend = h('div', { class: 'legend' },
    ...Object.entries(NOVELTY_COLOR).map(([k, c]) => { const i = h('i'); i.style.background = c; return h('span', {}, i, k); }),
    (() => { const i = h('i'); i.style.background = 'var(--accent)'; return h('span', {}, i, 'joined by entity/time'); })());
  return h('div', { id: 'timeline' }, svg, legend);
}
