// The incident queue: incidents ranked by score with their hosts, attack stages, status and
// verdict; refreshed live, new or grown incidents flash once. j/k move, Enter opens.
import { api } from './api.js';
import { h, clear, fmtAgo, fmtSpan, fmtCount, fmtTime, scoreBadge, statusPill, verdictPill } from './dom.js';

const PAGE = 50;

function query(f) {
  const q = new URLSearchParams({ limit: PAGE, offset: f.offset || 0 });
  if (f.status) q.set('status', f.status);
  if (f.q) q.set('q', f.q);
  if (f.host) q.set('host', f.host);
  if (f.min_score) q.set('min_score', f.min_score);
  // datetime-local values are local time; the API takes RFC 3339.
  if (f.since) q.set('since', new Date(f.since).toISOString());
  if (f.until) q.set('until', new Date(f.until).toISOString());
  return q.toString();
}

export class QueueView {
  constructor(root, filters, goToOffset) {
    this.root = root;
    this.filters = filters;
    this.goToOffset = goToOffset;
    this.seen = null;        // id -> alert count at the previous refresh
    this.selected = 0;
    this.rows = [];
    clear(root).append(h('div', { class: 'empty' }, 'Loading incidents…'));
  }

  async refresh() {
    const data = await api(`/incidents?${query(this.filters)}`);
    this.render(data);
  }

  render(data) {
    const previous = this.seen;
    this.seen = new Map(data.incidents.map((i) => [i.id, i.alert_count]));
    if (data.incidents.length === 0) {
      clear(this.root).append(h('div', { class: 'empty' },
        data.total === 0 && !this.filters.q && this.filters.status === 'surfaced'
          ? 'Nothing needs an analyst right now. New incidents appear here as alerts arrive.'
          : 'No incident matches these filters.'));
      this.rows = [];
      return;
    }
    const now = Date.now();
    const body = h('tbody');
    this.rows = data.incidents.map((inc, index) => {
      const fresh = previous && previous.get(inc.id) !== inc.alert_count;
      const tags = [...(inc.tactics || []).map((t) => h('span', { class: 'tag' }, t))];
      const row = h('tr', {
        class: `${index === this.selected ? 'sel' : ''}${fresh ? ' fresh' : ''}`,
        dataset: { id: inc.id },
        onclick: () => this.open(inc.id),
      },
        h('td', { class: 'num' }, scoreBadge(inc.score)),
        h('td', {},
          h('div', { class: 'title' }, h('a', { href: `#/incident/${encodeURIComponent(inc.id)}` }, inc.title || inc.id)),
          h('div', { class: 'sub' }, (inc.hosts || []).slice(0, 6).join(', ') || 'no host', (inc.hosts || []).length > 6 ? ` +${inc.hosts.length - 6}` : ''),
          tags.length ? h('div', {}, tags) : null),
        h('td', {}, statusPill(inc.status), ' ', verdictPill(inc.verdict)),
        h('td', { class: 'num' }, fmtCount(inc.alert_count)),
        h('td', { class: 'when', title: `${fmtTime(inc.first_seen)} – ${fmtTime(inc.last_seen)}` },
          fmtAgo(inc.last_seen, now), h('div', {}, fmtSpan(inc.first_seen, inc.last_seen))),
        h('td', { class: 'mono sub' }, inc.id));
      body.append(row);
      return row;
    });
    const offset = data.offset || 0;
    clear(this.root).append(
      h('table', { class: 'queue', id: 'queue' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Score'), h('th', {}, 'Incident'), h('th', {}, 'Status'),
          h('th', { class: 'num' }, 'Alerts'), h('th', {}, 'Last seen'), h('th', {}, 'Id'))),
        body),
      h('div', { class: 'pager' },
        h('span', {}, `${fmtCount(offset + 1)}–${fmtCount(offset + data.incidents.length)} of ${fmtCount(data.total)}`),
        h('span', {},
          h('button', { type: 'button', disabled: offset === 0, onclick: () => this.goToOffset(Math.max(0, offset - PAGE)) }, '← Newer ranks'),
          ' ',
          h('button', { type: 'button', disabled: offset + PAGE >= data.total, onclick: () => this.goToOffset(offset + PAGE) }, 'More →'))),
      h('div', { class: 'hint' }, h('span', { class: 'kbd' }, 'j'), ' / ', h('span', { class: 'kbd' }, 'k'), ' move · ',
        h('span', { class: 'kbd' }, 'Enter'), ' open · ', h('span', { class: 'kbd' }, '/'), ' search · ', h('span', { class: 'kbd' }, 'Esc'), ' back'));
  }

  open(id) { location.hash = `#/incident/${encodeURIComponent(id)}`; }

  keydown(e) {
    if (!this.rows.length) return;
    if (e.key === 'j' || e.key === 'k') {
      this.rows[this.selected]?.classList.remove('sel');
      this.selected = Math.max(0, Math.min(this.rows.length - 1, this.selected + (e.key === 'j' ? 1 : -1)));
      this.rows[this.selected].classList.add('sel');
      this.rows[this.selected].scrollIntoView({ block: 'nearest' });
    } else if (e.key === 'Enter') {
      this.open(this.rows[this.selected].dataset.id);
    }
  }
}
