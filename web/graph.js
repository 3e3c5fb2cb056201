// Entity graph: who and what the incident involves. Three columns, read left to right: the
// alert types (signatures) that fired, the hosts they fired on, and the other entities
// (addresses, users, processes, files) the alerts name. Edges join a signature to its hosts and
// a host to the entities seen with it. Columns keep labels apart at any size, with no layout
// iterations; node size grows with the number of alerts behind it. Inline SVG.
import { s, h, fmtCount } from './dom.js';

const KIND_COLOR = {
  host: 'var(--accent)', host_ip: 'var(--cyan)', src_ip: 'var(--amber)', dst_ip: 'var(--pink)', user: 'var(--green)',
  process: 'var(--violet)', file: 'var(--muted)', hash: 'var(--muted)', url: 'var(--muted)', signature: 'var(--red)',
};
const ROW = 26, TOP = 22, MAX_PER_COLUMN = 14, WIDTH = 560;
const COLUMN_X = [190, 300, 410];  // node x of signatures, hosts, other entities
const clip = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);

export function renderGraph(doc) {
  const groups = doc.groups || [];
  const entities = doc.entities || [];
  const hosts = entities.filter((e) => e.kind === 'host').map((e) => e.value);
  for (const g of groups) if (g.host && !hosts.includes(g.host)) hosts.push(g.host);
  const others = entities.filter((e) => e.kind !== 'host');
  // One node per signature (sensor + rule), weighted by its alerts.
  const sigs = new Map();
  for (const g of groups) {
    const key = `${g.sensor}\u0000${g.rule}`;
    if (!sigs.has(key)) sigs.set(key, { label: g.title, sensor: g.sensor, weight: 0, hosts: new Set() });
    const sig = sigs.get(key);
    sig.weight += g.count;
    sig.hosts.add(g.host);
  }
  const columns = [
    [...sigs.values()].sort((a, b) => b.weight - a.weight).slice(0, MAX_PER_COLUMN)
      .map((n) => ({ ...n, kind: 'signature' })),
    hosts.slice(0, MAX_PER_COLUMN).map((name) => ({
      label: name, kind: 'host', weight: groups.filter((g) => g.host === name).reduce((t, g) => t + g.count, 0) || 1,
    })),
    others.slice(0, MAX_PER_COLUMN).map((e) => ({ label: e.value, kind: e.kind, weight: 1 })),
  ];
  if (!columns.some((c) => c.length)) return h('p', { class: 'reason' }, 'No entities.');
  const rows = Math.max(...columns.map((c) => c.length));
  const height = TOP + rows * ROW + 6;
  // Each column is centred vertically against the tallest one.
  columns.forEach((column, ci) => column.forEach((n, i) => {
    n.x = COLUMN_X[ci];
    n.y = TOP + (rows - column.length) * ROW / 2 + i * ROW + ROW / 2;
  }));
  const hostNode = new Map(columns[1].map((n) => [n.label, n]));
  const maxWeight = Math.max(...columns.flat().map((n) => n.weight), 1);
  const radius = (n) => 4 + 7 * Math.sqrt(n.weight / maxWeight);

  const svg = s('svg', { class: 'graph', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': 'Entity graph' });
  const heads = ['alert types', 'hosts', 'addresses, users, files'];
  heads.forEach((text, ci) => svg.append(s('text', { x: COLUMN_X[ci], y: 12, 'text-anchor': 'middle', class: 'muted' }, text)));
  const edge = (a, b, weight) => svg.append(s('path', {
    class: 'edge', fill: 'none', 'stroke-width': Math.min(5, 1 + Math.log10(weight + 1)),
    d: `M${a.x},${a.y} C${(a.x + b.x) / 2},${a.y} ${(a.x + b.x) / 2},${b.y} ${b.x},${b.y}`,
  }));
  for (const sig of columns[0]) {
    for (const name of sig.hosts) if (hostNode.has(name)) edge(sig, hostNode.get(name), sig.weight);
  }
  // The incident lists its entities without saying which host each goes with; with several
  // hosts, each entity is drawn against every host (up to three) rather than guessed.
  for (const ent of columns[2]) for (const hst of columns[1].slice(0, 3)) edge(hst, ent, 1);

  const node = (n, anchor) => {
    const r = radius(n);
    const dx = anchor === 'end' ? -(r + 5) : anchor === 'start' ? r + 5 : 0;
    const dy = anchor === 'middle' ? -(r + 4) : 4;
    svg.append(s('g', { class: 'node' },
      s('circle', { cx: n.x, cy: n.y, r, fill: KIND_COLOR[n.kind] || 'var(--muted)' }),
      s('text', { x: n.x + dx, y: n.y + dy, 'text-anchor': anchor }, clip(n.label, anchor === 'middle' ? 18 : 26)),
      s('title', {}, `${n.kind.replace('_', ' ')}: ${n.label}${n.sensor ? ` (${n.sensor})` : ''}\n${fmtCount(n.weight)} alert${n.weight === 1 ? '' : 's'}`)));
  };
  columns[0].forEach((n) => node(n, 'end'));
  columns[1].forEach((n) => node(n, columns[1].length > 1 ? 'start' : 'middle'));
  columns[2].forEach((n) => node(n, 'start'));

  const kinds = [...new Set(columns.flat().map((n) => n.kind))];
  const hidden = columns.reduce((t, c, ci) => t + Math.max(0, [sigs.size, hosts.length, others.length][ci] - c.length), 0);
  const legend = h('div', { class: 'legend' },
    ...kinds.map((k) => { const i = h('i'); i.style.background = KIND_COLOR[k] || 'var(--muted)'; return h('span', {}, i, k.replace('_', ' ')); }),
    hidden ? h('span', {}, `+${hidden} not drawn`) : null);
  return h('div', { id: 'graph' }, svg, legend);
}
