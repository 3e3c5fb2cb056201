// Small DOM helpers. Everything the console shows is built with these: text always goes in as
// text nodes, never as HTML, so nothing an alert carries can run in the page.
const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [children].flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('div', {class: 'x'}, 'text', child...) -> HTMLElement
export function h(tag, attrs, ...children) { return build(document.createElement(tag), attrs, children); }
// s('circle', {r: 4}) -> SVGElement
export function s(tag, attrs, ...children) { return build(document.createElementNS(SVG_NS, tag), attrs, children); }

export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }

const pad = (n) => String(n).padStart(2, '0');
// "2024-01-15 10:00:03" in the browser's time zone.
export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fmtAgo(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const sec = Math.round((now - t) / 1000);
  if (sec < 0) return 'in the future';
  if (sec < 60) return `${sec}s ago`;
  if (sec < 3600) return `${Math.round(sec / 60)}m ago`;
  if (sec < 86400) return `${Math.round(sec / 3600)}h ago`;
  if (sec < 7 * 86400) return `${Math.round(sec / 86400)}d ago`;
  return fmtTime(iso).slice(0, 16);  // old data (a replayed data set): the date says more
}
export function fmtSpan(firstIso, lastIso) {
  const ms = new Date(lastIso) - new Date(firstIso);
  if (!(ms >= 0)) return '';
  const sec = ms / 1000;
  if (sec < 90) return `${Math.round(sec)}s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}
export const fmtCount = (n) => (n ?? 0).toLocaleString('en-US');

export function scoreClass(score) { return score >= 70 ? 'score high' : score >= 40 ? 'score mid' : 'score'; }
export function scoreBadge(score) { return h('span', { class: scoreClass(score) }, Math.round(score ?? 0)); }
export function statusPill(status) { return h('span', { class: `pill ${status}` }, status); }
export const VERDICT_LABEL = { true_positive: 'True positive', false_positive: 'False positive', benign: 'Benign' };
export function verdictPill(verdict) {
  return verdict ? h('span', { class: `pill v-${verdict}` }, VERDICT_LABEL[verdict] || verdict) : null;
}

let toastTimer = 0;
export function toast(message, bad = false) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast show${bad ? ' bad' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 3500);
}
