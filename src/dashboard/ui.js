// Shared pieces of the dashboard: the API client, formatting, DOM building, ANSI colors.
// Text from jobs always goes into the page as text nodes (never as HTML).

export const $ = (id) => document.getElementById(id);
export const TOKEN_KEY = 'herdctl.token';
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export const session = { token: null, onUnauthorized: () => {} };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (res.status === 401) session.onUnauthorized('The server refused this token.');
  if (!res.ok) throw new ApiError(res.status, data);
  $('conn').textContent = 'connected';
  return data;
}

// ─── formatting ──────────────────────────────────────────────────────────────

export function duration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** "3m ago", "in 5s" */
export function relative(iso) {
  if (!iso) return '';
  const d = Date.parse(iso) - Date.now();
  const text = duration(Math.abs(d)).replace(/(\d+[a-z]+).*/, '$1');
  return d > 0 ? `in ${text}` : `${text} ago`;
}

export const took = (j) => (j.startedAt ? duration((j.completedAt ? Date.parse(j.completedAt) : Date.now()) - Date.parse(j.startedAt)) : '');
export const shortId = (id) => id.replace(/^job-/, '');
export const money = (usd) => `$${Number(usd || 0).toFixed(usd >= 100 ? 0 : usd >= 1 ? 2 : 4)}`;

export function clip(v, max) {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function badge(node, status) {
  node.textContent = status;
  node.className = `badge ${status}`;
  return node;
}

/** A table of plain cells; `cols` are [header, cell(row) → string | Node, className?]. */
export function table(cols, rows, rowProps) {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...cols.map(([h, , cls]) => el('th', { textContent: h, className: cls || '' })))),
    el(
      'tbody',
      {},
      ...rows.map((r) => {
        const tr = el(
          'tr',
          {},
          ...cols.map(([, cell, cls]) => {
            const v = cell(r);
            return typeof v === 'string' || typeof v === 'number' ? el('td', { textContent: String(v), className: cls || '' }) : el('td', { className: cls || '' }, v);
          }),
        );
        if (rowProps) rowProps(tr, r);
        return tr;
      }),
    ),
  );
}

// ─── ANSI ────────────────────────────────────────────────────────────────────

const SGR_COLORS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/**
 * Agent output with SGR color codes as colored spans; every other escape
 * sequence (cursor moves, OSC titles and links) and control character is
 * dropped, and a carriage return keeps what was written after it, as a
 * terminal would show the line. Returns a fragment of text nodes and spans.
 */
export function ansi(text) {
  const frag = document.createDocumentFragment();
  const s = String(text)
    // eslint-disable-next-line no-control-regex -- terminal escapes are what this strips
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '') // OSC … BEL / ST
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r', line.length - 2) + 1).replace(/\r$/, ''))
    .join('\n');
  let cls = [];
  let last = 0;
  // eslint-disable-next-line no-control-regex -- SGR sequences are turned into classes
  const re = /\x1b\[([0-9;?]*)([A-Za-z])/g;
  const push = (chunk) => {
    // eslint-disable-next-line no-control-regex -- other control characters are dropped
    const clean = chunk.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    if (!clean) return;
    frag.append(cls.length ? el('span', { className: cls.join(' '), textContent: clean }) : document.createTextNode(clean));
  };
  for (let m; (m = re.exec(s));) {
    push(s.slice(last, m.index));
    last = re.lastIndex;
    if (m[2] !== 'm') continue; // not a color: dropped
    const codes = m[1] === '' ? [0] : m[1].split(';').map(Number);
    for (const c of codes) {
      if (c === 0) cls = [];
      else if (c === 1) cls.push('ansi-bold');
      else if (c === 2) cls.push('ansi-dim');
      else if (c === 3) cls.push('ansi-italic');
      else if (c === 4) cls.push('ansi-underline');
      else if (c === 22) cls = cls.filter((x) => x !== 'ansi-bold' && x !== 'ansi-dim');
      else if (c === 39) cls = cls.filter((x) => !x.startsWith('ansi-fg-'));
      else if (c === 49) cls = cls.filter((x) => !x.startsWith('ansi-bg-'));
      else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) cls = [...cls.filter((x) => !x.startsWith('ansi-fg-')), `ansi-fg-${c >= 90 ? 'bright-' : ''}${SGR_COLORS[c % 10]}`];
      else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107)) cls = [...cls.filter((x) => !x.startsWith('ansi-bg-')), `ansi-bg-${SGR_COLORS[c % 10]}`];
    }
  }
  push(s.slice(last));
  return frag;
}
