// The incident page: what happened (narrative, timeline, entity graph, alerts), why it ranks
// where it does (score factors), and the verdict form with reason codes. Refreshes live without
// touching a verdict being written.
import { api } from './api.js';
import { h, clear, fmtTime, fmtSpan, fmtCount, scoreClass, statusPill, verdictPill, toast, VERDICT_LABEL } from './dom.js';
import { renderTimeline } from './timeline.js';
import { renderGraph } from './graph.js';

const REASON_CODES = {
  true_positive: ['Confirmed attack activity', 'Policy violation', 'Escalated to incident response'],
  false_positive: ['Detection logic error', 'Known scanner or monitoring', 'Wrong entity attributed'],
  benign: ['Expected admin activity', 'Scheduled job or update', 'Authorized test'],
};
const ALERT_PAGE = 100;

export class IncidentView {
  constructor(root, id) {
    this.root = root;
    this.id = id;
    this.doc = null;
    this.alertItems = [];
    this.choice = { verdict: '', code: '' };
    clear(root).append(h('div', { class: 'empty' }, 'Loading incident…'));
  }

  async refresh() {
    const doc = await api(`/incidents/${encodeURIComponent(this.id)}?alerts_limit=${Math.max(ALERT_PAGE, this.alertItems.length)}`);
    const first = this.doc === null;
    this.doc = doc;
    this.alertItems = doc.alert_records ? doc.alert_records.items : [];
    if (first) this.layout();
    this.fill();
  }

  layout() {
    this.el = {
      head: h('div', { class: 'inc-head' }),
      narrative: h('div', { class: 'card narrative' }),
      timeline: h('div', { class: 'card' }),
      graph: h('div', { class: 'card' }),
      alerts: h('div', { class: 'card' }),
      verdict: this.verdictForm(),
      factors: h('div', { class: 'card' }),
      facts: h('div', { class: 'card' }),
    };
    clear(this.root).append(
      h('div', { class: 'crumbs' }, h('a', { href: '#/', onclick: (e) => { if (history.length > 1) { e.preventDefault(); history.back(); } } }, '← Queue')),
      this.el.head,
      h('div', { class: 'grid' },
        h('div', {}, this.el.timeline, this.el.narrative, this.el.alerts),
        h('div', {}, this.el.verdict, this.el.factors, this.el.graph, this.el.facts)));
  }

  fill() {
    const d = this.doc;
    document.title = `Vigil — ${d.title || d.id}`;
    const last = d.verdicts && d.verdicts.length ? d.verdicts[d.verdicts.length - 1].verdict : null;
    clear(this.el.head).append(
      h('div', {},
        h('h1', { id: 'incident-title' }, d.title || d.id),
        h('div', { class: 'inc-meta' },
          statusPill(d.status), verdictPill(last),
          h('span', { class: 'mono' }, d.id),
          h('span', {}, `${fmtTime(d.first_seen)} → ${fmtTime(d.last_seen)} (${fmtSpan(d.first_seen, d.last_seen)})`),
          h('span', {}, `${fmtCount(d.alert_count)} alerts`))),
      h('div', { class: 'big-score' }, h('span', { class: scoreClass(d.score) }, Math.round(d.score)), h('small', {}, 'score')));

    clear(this.el.narrative).append(h('h2', {}, 'What happened'),
      ...(d.narrative ? d.narrative.split(/\n+/).map((p) => h('p', {}, p)) : [h('p', { class: 'reason' }, 'No narrative: this incident was not surfaced.')]),
      d.reason ? h('p', { class: 'reason' }, d.reason) : null);

    clear(this.el.timeline).append(h('h2', {}, 'Timeline'), renderTimeline(d));
    clear(this.el.graph).append(h('h2', {}, 'Entities'), renderGraph(d));
    this.fillFactors();
    this.fillFacts();
    this.fillAlerts();
    this.fillHistory();
  }

  fillFactors() {
    const factors = this.doc.score_factors || [];
    const max = Math.max(1, ...factors.map((f) => Math.abs(f.value)));
    const grid = h('div', { class: 'factors' });
    for (const f of factors) {
      const bar = h('span', { class: f.value < 0 ? 'neg' : '' });
      bar.style.width = `${Math.round((Math.abs(f.value) / max) * 100)}%`;
      grid.append(h('div', {}, f.name), h('div', { class: 'bar' }, bar), h('div', { class: 'v' }, (f.value > 0 ? '+' : '') + f.value.toFixed(1)));
      if (f.detail) grid.append(h('div', { class: 'detail' }, f.detail));
    }
    clear(this.el.factors).append(h('h2', {}, 'Why this score'), factors.length ? grid : h('p', { class: 'reason' }, 'No score factors.'));
  }

  fillFacts() {
    const d = this.doc;
    const byKind = new Map();
    for (const e of d.entities || []) {
      if (!byKind.has(e.kind)) byKind.set(e.kind, []);
      byKind.get(e.kind).push(e.value);
    }
    const kv = h('dl', { class: 'kv' });
    for (const [kind, values] of byKind) kv.append(h('dt', {}, kind.replace('_', ' ')), h('dd', {}, values.join(', ')));
    if ((d.tactics || []).length) kv.append(h('dt', {}, 'tactics'), h('dd', {}, d.tactics.join(' → ')));
    if ((d.techniques || []).length) kv.append(h('dt', {}, 'techniques'), h('dd', {}, d.techniques.join(', ')));
    const merges = (d.merges || []).map((m) => h('li', {}, m));
    clear(this.el.facts).append(h('h2', {}, 'Scope'), kv,
      merges.length ? h('div', {}, h('h2', { class: 'sp' }, 'Merged'), h('ul', { class: 'history' }, merges)) : null);
  }

  fillAlerts() {
    const rec = this.doc.alert_records || { total: 0, items: [] };
    const body = h('tbody');
    for (const item of this.alertItems) {
      const a = item.alert || {};
      const ents = a.entities || {};
      const raw = h('tr', { class: 'raw', hidden: true }, h('td', { colspan: 6 }, h('pre', {}, JSON.stringify(item.record, null, 2))));
      body.append(
        h('tr', { class: 'row', title: 'Show the record as received', onclick: () => { raw.hidden = !raw.hidden; } },
          h('td', { class: 'mono' }, fmtTime(a.time || item.received)),
          h('td', {}, a.sensor || item.profile),
          h('td', {}, a.title || a.rule || ''),
          h('td', {}, ents.host || ''),
          h('td', { class: 'mono' }, ents.src_ip || ents.host_ip || ''),
          h('td', { class: 'mono' }, item.seq)),
        raw);
    }
    const shown = this.alertItems.length;
    clear(this.el.alerts).append(
      h('h2', {}, `Alerts (${fmtCount(rec.total)}${this.doc.alerts_truncated ? ` of ${fmtCount(this.doc.alert_count)}` : ''})`),
      h('div', { class: 'alerts-scroll' }, h('table', { class: 'alerts', id: 'alerts' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Sensor'), h('th', {}, 'Signature'), h('th', {}, 'Host'), h('th', {}, 'IP'), h('th', {}, 'Seq'))),
        body)),
      shown < rec.total ? h('div', { class: 'more' }, h('button', { type: 'button', onclick: () => this.moreAlerts() }, `Show ${Math.min(ALERT_PAGE, rec.total - shown)} more`)) : null);
  }

  async moreAlerts() {
    const page = await api(`/incidents/${encodeURIComponent(this.id)}?alerts_offset=${this.alertItems.length}&alerts_limit=${ALERT_PAGE}`);
    this.alertItems = this.alertItems.concat(page.alert_records.items);
    this.fillAlerts();
  }

  verdictForm() {
    const choices = h('div', { class: 'choices', role: 'group', 'aria-label': 'Verdict' });
    const codes = h('div', { class: 'codes', role: 'group', 'aria-label': 'Reason' });
    const note = h('textarea', { id: 'verdict-note', placeholder: 'Note (optional): what you checked, ticket number…', maxlength: 1500 });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'verdict-submit', disabled: true }, 'Record verdict');
    this.history = h('ul', { class: 'history', id: 'verdict-history' });
    const refreshButtons = () => {
      for (const b of choices.children) b.classList.toggle('on', b.dataset.verdict === this.choice.verdict);
      clear(codes);
      for (const code of REASON_CODES[this.choice.verdict] || []) {
        codes.append(h('button', { type: 'button', class: code === this.choice.code ? 'on' : '', onclick: () => { this.choice.code = code; refreshButtons(); } }, code));
      }
      submit.disabled = !this.choice.verdict || !this.choice.code;
    };
    for (const v of Object.keys(REASON_CODES)) {
      choices.append(h('button', { type: 'button', dataset: { verdict: v }, onclick: () => { this.choice = { verdict: v, code: '' }; refreshButtons(); } }, VERDICT_LABEL[v]));
    }
    const form = h('form', { class: 'card verdict', id: 'verdict-form' },
      h('h2', {}, 'Verdict'), choices, codes, note,
      h('div', { class: 'row' }, h('span', { class: 'hint' }, 'A false positive or benign verdict suppresses these alert types on these hosts from now on.'), submit),
      this.history);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      const reason = this.choice.code + (note.value.trim() ? `: ${note.value.trim()}` : '');
      try {
        const out = await api(`/incidents/${encodeURIComponent(this.id)}/verdict`, { method: 'POST', body: { verdict: this.choice.verdict, reason } });
        toast(`Verdict recorded: ${VERDICT_LABEL[out.verdict]}${out.suppression ? ' · suppression created' : ''}`);
        note.value = '';
        this.choice = { verdict: '', code: '' };
        refreshButtons();
        await this.refresh();
      } catch (err) {
        toast(err.message, true);
        submit.disabled = false;
      }
    });
    return form;
  }

  fillHistory() {
    clear(this.history);
    for (const v of [...(this.doc.verdicts || [])].reverse()) {
      this.history.append(h('li', {}, verdictPill(v.verdict), ' ', v.reason, h('div', { class: 'when' }, `${fmtTime(v.created)}${v.analyst ? ` · ${v.analyst}` : ''}`)));
    }
  }
}
