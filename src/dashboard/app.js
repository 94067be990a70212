// The herdctl dashboard: plain browser JavaScript, served by `herdctl serve` itself (no build step, nothing from elsewhere).
// It talks to the same HTTP API as any other client (docs/api.md), with the token in an Authorization header.
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'herdctl.token';
const POLL_MS = 1500;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const state = {
  token: null,
  jobs: new Map(), // id → job, from the last list
  selected: null, // id of the job shown
  stream: null, // AbortController of the selected job's event stream
  polling: null,
};

// ─── token ───────────────────────────────────────────────────────────────────

/** A #token=… fragment (never sent to the server) is stored, then removed from the address bar. */
function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  state.token = localStorage.getItem(TOKEN_KEY);
}

function askToken(message) {
  $('token-error').textContent = message || '';
  const d = $('token-dialog');
  if (!d.open) d.showModal();
  $('token-input').focus();
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (res.status === 401) askToken('The server refused this token.');
  if (!res.ok) throw new ApiError(res.status, data);
  $('conn').textContent = 'connected';
  return data;
}

// ─── formatting ──────────────────────────────────────────────────────────────

function duration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

const ago = (iso) => (iso ? `${duration(Date.now() - Date.parse(iso)).replace(/(\d+[a-z]+).*/, '$1')} ago` : '');
const took = (j) => (j.startedAt ? duration((j.completedAt ? Date.parse(j.completedAt) : Date.now()) - Date.parse(j.startedAt)) : '');
const shortId = (id) => id.replace(/^job-/, '');

function clip(v, max) {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

function badge(node, status) {
  node.textContent = status;
  node.className = `badge ${status}`;
}

// ─── job list ────────────────────────────────────────────────────────────────

async function refreshList() {
  const q = new URLSearchParams({ limit: '100' });
  if ($('filter-status').value) q.set('status', $('filter-status').value);
  if ($('filter-agent').value) q.set('agent', $('filter-agent').value);
  let data;
  try {
    data = await api('GET', `/jobs?${q}`);
  } catch (e) {
    $('conn').textContent = e instanceof ApiError ? e.message : 'server unreachable';
    return;
  }
  const body = $('jobs').tBodies[0];
  const rows = data.jobs.map((j) => {
    state.jobs.set(j.id, j);
    const status = el('span');
    badge(status, j.status);
    const tr = el('tr', { className: j.id === state.selected ? 'selected' : '' },
      el('td', { className: 'id', textContent: shortId(j.id), title: j.id }),
      el('td', { textContent: j.agent || '' }),
      el('td', {}, status),
      el('td', { textContent: ago(j.createdAt), title: j.createdAt || '' }),
      el('td', { textContent: took(j) }));
    tr.dataset.id = j.id;
    tr.dataset.status = j.status;
    tr.addEventListener('click', () => select(j.id));
    return tr;
  });
  body.replaceChildren(...rows);
  $('jobs-empty').hidden = rows.length > 0;
  const shown = state.selected && state.jobs.get(state.selected);
  if (shown) showStatus(shown);
}

async function loadAgents() {
  let data;
  try {
    data = await api('GET', '/v1/agents');
  } catch {
    return;
  }
  const names = data.agents.map((a) => a.name);
  $('submit-agent').replaceChildren(...names.map((n) => el('option', { value: n, textContent: n })));
  $('filter-agent').replaceChildren(el('option', { value: '', textContent: 'any' }), ...names.map((n) => el('option', { value: n, textContent: n })));
  $('submit-button').disabled = names.length === 0;
  if (names.length === 0) $('submit-error').textContent = `No agents: the server found ${data.config ? `none in ${data.config}` : 'no herdctl.yaml'}.`;
  const byName = new Map(data.agents.map((a) => [a.name, a]));
  const placeholder = () => {
    const a = byName.get($('submit-agent').value);
    $('submit-task').placeholder = a && a.prompt ? `(default: ${a.prompt})` : 'what to do';
  };
  $('submit-agent').onchange = placeholder;
  placeholder();
}

// ─── job view ────────────────────────────────────────────────────────────────

function showStatus(job) {
  badge($('job-status'), job.status);
  $('job-meta').textContent = [
    `agent ${job.agent}`,
    job.trigger && job.trigger !== 'manual' ? job.trigger : '',
    job.parentJobId ? `resumes ${shortId(job.parentJobId)}` : '',
    job.tags && job.tags.length ? `tags ${job.tags.join(', ')}` : '',
    job.startedAt ? `took ${took(job)}` : 'not started',
    job.exitReason ? `(${job.exitReason})` : '',
  ].filter(Boolean).join(' · ');
  const done = TERMINAL.has(job.status);
  $('cancel-button').disabled = done;
  $('resume-button').disabled = !done;
  if (done && job.recap) showRecap(job.recap);
}

function showRecap(recap) {
  $('recap-headline').textContent = recap.headline;
  $('recap-bullets').replaceChildren(...recap.bullets.map((b) => el('li', { textContent: b })));
  $('recap').hidden = false;
}

async function select(id) {
  if (state.stream) state.stream.abort();
  state.selected = id;
  history.replaceState(null, '', `#job=${id}`);
  for (const tr of $('jobs').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.id === id);
  $('detail').hidden = false;
  $('job-title').textContent = id;
  $('events').replaceChildren();
  $('recap').hidden = true;
  $('recap-headline').textContent = '';
  $('recap-bullets').replaceChildren();
  $('action-error').textContent = '';
  $('cancel-reason').value = '';
  $('resume-prompt').value = '';
  let job;
  try {
    job = await api('GET', `/jobs/${id}`);
  } catch (e) {
    $('action-error').textContent = e.message;
    return;
  }
  if (state.selected !== id) return;
  $('job-prompt').textContent = job.prompt;
  showStatus(job);
  const ctrl = new AbortController();
  state.stream = ctrl;
  follow(id, ctrl.signal);
}

/**
 * The job's events over SSE, read with fetch (EventSource cannot send the
 * token header). A dropped connection resumes after the last seq seen
 * (Last-Event-ID), so nothing is missed or shown twice; the stream ends after
 * the `complete` event.
 */
async function follow(id, signal) {
  let last = null;
  while (!signal.aborted) {
    try {
      const headers = { Authorization: `Bearer ${state.token}` };
      if (last !== null) headers['Last-Event-ID'] = String(last);
      const res = await fetch(`/jobs/${id}/events`, { headers, signal });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        for (let i; (i = buf.indexOf('\n\n')) >= 0; ) {
          const ev = parseFrame(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (!ev) continue;
          last = ev.seq;
          addEvent(ev);
          if (ev.type === 'complete') return finished(id, ev);
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status < 500) {
        if (e.status === 401) askToken('The server refused this token.');
        $('action-error').textContent = e.message;
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function parseFrame(block) {
  const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5)).join('\n');
  if (!data) return null; // a keepalive comment
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

function describe(e) {
  switch (e.type) {
    case 'start':
      return [`${Array.isArray(e.argv) ? e.argv.map((a) => clip(a, 60)).join(' ') : ''}${e.cwd ? `  (in ${e.cwd})` : ''}`, 'start'];
    case 'output':
      if (e.kind === 'init') return [`model ${e.model || '?'}, session ${e.sessionId || '?'}`, 'init'];
      if (e.stream === 'stderr') return [clip(e.text ?? e.raw ?? '', 4000), 'stderr'];
      return [clip(e.text ?? e.raw ?? e.status ?? '', 4000), e.kind === 'result' ? 'final' : e.kind || 'output'];
    case 'tool_use':
      return [`${e.tool || '?'} ${clip(e.input, 600)}`, 'tool'];
    case 'tool_result':
      return [clip(e.content ?? '', 1200), e.is_error || e.isError ? 'tool error' : 'result'];
    case 'error':
      return [clip(e.message ?? e.text ?? e, 2000), 'error'];
    case 'complete': {
      const bits = [`${e.status}${e.exitReason ? ` (${e.exitReason})` : ''}`];
      if (e.exitCode !== null && e.exitCode !== undefined) bits.push(`exit ${e.exitCode}`);
      if (e.signal) bits.push(e.signal);
      if (e.durationMs) bits.push(duration(e.durationMs));
      if (e.costUsd) bits.push(`$${Number(e.costUsd).toFixed(4)}`);
      if (e.error) bits.push(clip(e.error, 300));
      return [bits.join(' · '), 'done'];
    }
    default:
      return [clip(e, 600), String(e.type)];
  }
}

function addEvent(e) {
  const list = $('events');
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  const [text, kind] = describe(e);
  const cls = [`ev-${e.type}`];
  if (e.type === 'tool_result' && (e.is_error || e.isError)) cls.push('failed');
  if (e.type === 'complete') cls.push(e.status);
  if (e.stream === 'stderr') cls.push('stderr');
  const li = el('li', { className: cls.join(' ') },
    el('span', { className: 'ts', textContent: typeof e.ts === 'string' ? e.ts.slice(11, 19) : '' }),
    el('span', { className: 'kind', textContent: kind }),
    el('span', { className: 'body', textContent: text }));
  li.dataset.seq = e.seq;
  li.dataset.type = e.type;
  list.append(li);
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/** After `complete`, job.json turns terminal a moment later with the recap: read it until it has. */
async function finished(id, complete) {
  badge($('job-status'), complete.status);
  for (let i = 0; i < 20 && state.selected === id; i++) {
    const job = await api('GET', `/jobs/${id}`).catch(() => null);
    if (job && TERMINAL.has(job.status)) {
      showStatus(job);
      return refreshList();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ─── actions ─────────────────────────────────────────────────────────────────

async function submitJob(ev) {
  ev.preventDefault();
  $('submit-error').textContent = '';
  const body = { agent: $('submit-agent').value, priority: Number($('submit-priority').value || 0) };
  const task = $('submit-task').value;
  if (task.trim()) body.task = task;
  const tags = $('submit-tags').value.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length) body.tags = tags;
  $('submit-button').disabled = true;
  try {
    const { session_id: id } = await api('POST', '/jobs', body);
    $('submit-task').value = '';
    await refreshList();
    await select(id);
  } catch (e) {
    $('submit-error').textContent = e.message;
  } finally {
    $('submit-button').disabled = false;
  }
}

async function cancelSelected() {
  const id = state.selected;
  $('action-error').textContent = '';
  $('cancel-button').disabled = true;
  try {
    const out = await api('POST', `/jobs/${id}/cancel`, { reason: $('cancel-reason').value.trim() || undefined });
    if (out.result === 'requested') $('action-error').textContent = 'Cancel requested; the agent is stopping…';
    else showStatus(out.job);
  } catch (e) {
    $('action-error').textContent = e.message;
    $('cancel-button').disabled = false;
  }
  refreshList();
}

async function resumeSelected() {
  $('action-error').textContent = '';
  try {
    const { session_id: id } = await api('POST', '/v1/resume', { kind: 'job', from_subject_id: state.selected, prompt: $('resume-prompt').value.trim() || undefined });
    $('resume-prompt').value = '';
    await refreshList();
    await select(id);
  } catch (e) {
    $('action-error').textContent = e.message;
  }
}

// ─── start ───────────────────────────────────────────────────────────────────

async function start() {
  $('conn').textContent = 'connecting…';
  await loadAgents();
  await refreshList();
  const m = /^#job=(job-[0-9a-z-]+)$/.exec(location.hash);
  if (m) select(m[1]);
  clearInterval(state.polling);
  state.polling = setInterval(refreshList, POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token-input').value.trim();
    localStorage.setItem(TOKEN_KEY, state.token);
    $('token-input').value = '';
    $('token-dialog').close();
    start();
  });
  $('forget-token').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    askToken();
  });
  $('submit-form').addEventListener('submit', submitJob);
  $('filter-status').addEventListener('change', refreshList);
  $('filter-agent').addEventListener('change', refreshList);
  $('cancel-button').addEventListener('click', cancelSelected);
  $('resume-button').addEventListener('click', resumeSelected);
  takeToken();
  if (state.token) start();
  else askToken();
});
