// The console's shell: sign-in, routing (#/ queue, #/incident/ID page), filters kept in the URL,
// and the live loop that refreshes whatever is on screen every few seconds.
import { api, adoptTokenFromFragment, token, setToken, whenUnauthorized, ApiError } from './api.js';
import { fmtCount } from './dom.js';
import { QueueView } from './queue.js';
import { IncidentView } from './incident.js';

const POLL_MS = 3000;
const view = document.getElementById('view');
const filtersBar = document.getElementById('filters');
let current = null;     // the view on screen: {refresh(), keydown?(e), dispose?()}
let pollTimer = 0;

// --- filters, kept in the hash so a reload or a shared link shows the same queue ---
function readFilters() {
  const q = new URLSearchParams(location.hash.split('?')[1] || '');
  return {
    status: q.has('status') ? q.get('status') : 'surfaced',
    q: q.get('q') || '', host: q.get('host') || '', min_score: q.get('min_score') || '',
    since: q.get('since') || '', until: q.get('until') || '', offset: Number(q.get('offset') || 0),
  };
}
function writeFilters(f) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (k === 'status' ? v !== 'surfaced' : v !== '' && v !== 0) q.set(k, v);
  }
  const text = q.toString();
  location.hash = '#/' + (text ? `?${text}` : '');
}
function syncFilterInputs(f) {
  for (const b of filtersBar.querySelectorAll('[data-status]')) b.classList.toggle('on', b.dataset.status === f.status);
  document.getElementById('q').value = f.q;
  document.getElementById('host').value = f.host;
  document.getElementById('min-score').value = f.min_score;
  document.getElementById('since').value = f.since;
  document.getElementById('until').value = f.until;
}
function wireFilters() {
  const change = (patch) => writeFilters({ ...readFilters(), ...patch, offset: 0 });
  for (const b of filtersBar.querySelectorAll('[data-status]')) b.addEventListener('click', () => change({ status: b.dataset.status }));
  document.getElementById('search-form').addEventListener('submit', (e) => { e.preventDefault(); change({ q: document.getElementById('q').value.trim() }); });
  let typing = 0;
  document.getElementById('q').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => change({ q: e.target.value.trim() }), 350);
  });
  for (const id of ['host', 'min-score', 'since', 'until']) {
    document.getElementById(id).addEventListener('change', (e) => change({ [id === 'min-score' ? 'min_score' : id]: e.target.value.trim() }));
  }
  document.getElementById('clear-filters').addEventListener('click', () => writeFilters({ status: 'surfaced', q: '', host: '', min_score: '', since: '', until: '', offset: 0 }));
}

// --- live status in the top bar ---
function setLive(ok, text) {
  const el = document.getElementById('live');
  el.className = `live ${ok ? 'ok' : 'bad'}`;
  document.getElementById('live-text').textContent = text;
}
async function refreshStats() {
  const st = await api('/stats');
  const el = document.getElementById('stats');
  el.replaceChildren();
  const item = (label, n) => { const span = document.createElement('span'); const b = document.createElement('b'); b.textContent = fmtCount(n); span.append(b, ` ${label}`); return span; };
  el.append(item('surfaced', st.incidents.surfaced), item('incidents', st.incidents.total), item('alerts', st.alerts_stored));
  if (st.processed_seq < st.last_seq) el.append(item('alerts to triage', st.last_seq - st.processed_seq));
}

async function tick() {
  clearTimeout(pollTimer);
  if (!token()) return;
  try {
    await Promise.all([refreshStats(), current ? current.refresh() : null]);
    setLive(true, `live · ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) setLive(false, 'server unreachable');
  }
  pollTimer = setTimeout(tick, document.hidden ? POLL_MS * 5 : POLL_MS);
}

// --- routing ---
function route() {
  if (current && current.dispose) current.dispose();
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
  const m = path.match(/^\/incident\/(.+)$/);
  if (m) {
    filtersBar.classList.add('hidden');
    current = new IncidentView(view, decodeURIComponent(m[1]));
    document.title = 'Vigil — incident';
  } else {
    filtersBar.classList.remove('hidden');
    const f = readFilters();
    syncFilterInputs(f);
    current = new QueueView(view, f, (offset) => writeFilters({ ...readFilters(), offset }));
    document.title = 'Vigil — incident queue';
  }
  view.focus({ preventScroll: true });
  tick();
}

// --- sign-in ---
function askForToken(message = '') {
  const dialog = document.getElementById('token-dialog');
  document.getElementById('token-error').textContent = message;
  if (!dialog.open) dialog.showModal();
}
document.getElementById('token-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setToken(document.getElementById('token-input').value);
  try {
    await api('/health');
    document.getElementById('token-dialog').close();
    route();
  } catch (err) {
    document.getElementById('token-error').textContent = err.message;
  }
});
whenUnauthorized(() => askForToken('The token was refused; paste the current one.'));

document.addEventListener('keydown', (e) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
  if (e.key === '/' && !typing) { e.preventDefault(); document.getElementById('q').focus(); return; }
  if (e.key === 'Escape' && !typing && location.hash.startsWith('#/incident/')) { history.back(); return; }
  if (!typing && current && current.keydown) current.keydown(e);
});
document.addEventListener('visibilitychange', () => { if (!document.hidden) tick(); });
window.addEventListener('hashchange', () => {
  adoptTokenFromFragment();  // a pasted #token=... link: keep the token, show the queue
  route();
});

adoptTokenFromFragment();
wireFilters();
route();
if (!token()) askForToken();
