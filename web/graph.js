// Entity graph: the incident's hosts, addresses, users, processes and files as nodes, the alert
// groups (signatures) linking them. Laid out by a short, deterministic force simulation (same
// incident, same picture), drawn as inline SVG. Node size grows with how many alerts touch it.
import { s, h, fmtCount } from './dom.js';

const KIND_COLOR = {
  host: 'var(--accent)', host_ip: 'var(--cyan)', src_ip: 'var(--amber)', dst_ip: 'var(--pink)', user: 'var(--green)',
  process: 'var(--violet)', file: 'var(--muted)', hash: 'var(--muted)', url: 'var(--muted)', signature: 'var(--red)',
};
const MAX_NODES = 40;

function layout(nodes, edges, width, height) {
  // Start on a circle (deterministic), then relax: springs on edges, repulsion between nodes.
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / nodes.length;
    n.x = width / 2 + Math.cos(a) * width * 0.3;
    n.y = height / 2 + Math.sin(a) * height * 0.3;
  });
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  for (let step = 0; step < 220; step++) {
    const cool = 1 - step / 220;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i], b = nodes[j];
        let dx = a.x - b.x, dy = a.y - b.y;
        const d2 = Math.max(dx * dx + dy * dy, 25);
        const f = 1800 / d2;
        const d = Math.sqrt(d2);
        dx /= d; dy /= d;
        a.x += dx * f * cool; a.y += dy * f * cool; b.x -= dx * f * cool; b.y -= dy * f * cool;
      }
    }
    for (const e of edges) {
      const a = nodes[index.get(e.from)], b = nodes[index.get(e.to)];
      const dx = b.x - a.x, dy = b.y - a.y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const f = ((d - 70) / d) * 0.08 * cool;
      a.x += dx * f; a.y += dy * f; b.x -= dx * f; b.y -= dy * f;
    }
    for (const n of nodes) {  // gentle pull to the centre, then keep inside the frame
      n.x += (width / 2 - n.x) * 0.01; n.y += (height / 2 - n.y) * 0.01;
      n.x = Math.max(20, Math.min(width - 20, n.x)); n.y = Math.max(16, Math.min(height - 16, n.y));
    }
  }
}

export function renderGraph(doc) {
  const nodes = [];
  const byId = new Map();
  const add = (id, kind, label, weight) => {
    if (byId.has(id)) { byId.get(id).weight += weight; return; }
    if (nodes.length >= MAX_NODES) return;
    const n = { id, kind, label, weight };
    byId.set(id, n);
    nodes.push(n);
  };
  for (const e of doc.entities || []) add(`${e.kind}:${e.value}`, e.kind, e.value, 1);
  const edges = [];
  for (const g of (doc.groups || []).slice(0, 20)) {
    const sig = `signature:${g.sensor}:${g.rule}`;
    add(sig, 'signature', g.title, g.count);
    if (g.host && byId.has(`host:${g.host}`) && byId.has(sig)) {
      edges.push({ from: sig, to: `host:${g.host}`, count: g.count });
      byId.get(`host:${g.host}`).weight += g.count;
    }
  }
  // Entities without a group edge hang off every host of the incident (they share its alerts).
  const hosts = nodes.filter((n) => n.kind === 'host');
  for (const n of nodes) {
    if (n.kind === 'host' || n.kind === 'signature') continue;
    for (const hst of hosts.slice(0, 3)) edges.push({ from: n.id, to: hst.id, count: 1 });
  }
  if (!nodes.length) return h('p', { class: 'reason' }, 'No entities.');
  const width = 460, height = Math.min(420, 160 + nodes.length * 9);
  layout(nodes, edges, width, height);
  const svg = s('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Entity graph' });
  for (const e of edges) {
    const a = byId.get(e.from), b = byId.get(e.to);
    svg.append(s('line', { class: 'edge', x1: a.x, y1: a.y, x2: b.x, y2: b.y, 'stroke-width': Math.min(5, 1 + Math.log10(e.count + 1)) }));
  }
  const maxW = Math.max(...nodes.map((n) => n.weight));
  for (const n of nodes) {
    const r = 5 + 9 * Math.sqrt(n.weight / maxW);
    const label = n.label.length > 26 ? n.label.slice(0, 25) + '…' : n.label;
    svg.append(s('g', { class: 'node' },
      s('circle', { cx: n.x, cy: n.y, r, fill: KIND_COLOR[n.kind] || 'var(--muted)' }),
      s('text', { x: n.x + r + 3, y: n.y + 4 }, label),
      s('title', {}, `${n.kind.replace('_', ' ')}: ${n.label}${n.kind === 'signature' ? `\n${fmtCount(n.weight)} alerts` : ''}`)));
  }
  const kinds = [...new Set(nodes.map((n) => n.kind))];
  const legend = h('div', { class: 'legend' }, ...kinds.map((k) => { const i = h('i'); i.style.background = KIND_COLOR[k] || 'var(--muted)'; return h('span', {}, i, k.replace('_', ' ')); }));
  return h('div', { id: 'graph' }, svg, legend);
}
