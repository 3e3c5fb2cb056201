// The console's only door to the server: fetch with the bearer token from sessionStorage.
// A 401 drops the token and asks for it again; other failures surface as ApiError.
const KEY = 'vigil.token';

export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(value) { sessionStorage.setItem(KEY, value.trim()); }
export function dropToken() { sessionStorage.removeItem(KEY); }

// Takes a token handed over in the URL fragment (#token=...) and removes it from the address bar,
// so it stays out of history and screenshots.
export function adoptTokenFromFragment() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!m) return false;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/');
  return true;
}

let onUnauthorized = () => {};
export function whenUnauthorized(fn) { onUnauthorized = fn; }

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
  });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (res.status === 401) {
    dropToken();
    onUnauthorized();
    throw new ApiError(401, 'unauthorized', 'The token was refused.');
  }
  if (!res.ok) {
    const err = data && data.error ? data.error : { code: 'error', message: res.statusText };
    throw new ApiError(res.status, err.code, err.message);
  }
  return data;
}
