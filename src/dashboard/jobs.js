// The jobs page: the list (filters, search, pages of 50), one job's view with
// its events streaming live, and the submit / cancel / resume actions.
import { $, ApiError, TERMINAL, ansi, api, badge, clip, duration, el, relative, session, shortId, took } from './ui.js';

const PAGE = 50;
const list = { offset: 0, more: false, jobs: new Map() };
const view = { selected: null, stream: null };

/** The list shows the current page; a status change re-renders it on the next poll. */
export async function refreshList() {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(list.offset) });
  if ($('filter-status').value) q.set('status', $('filter-status').value);
  if ($('filter-agent').value) q.set('agent', $('filter-agent').value);
  if ($('filter-q').value.trim()) q.set('q', $('filter-q').value.trim());
  let data;
  try {
    data = await api('GET', `/jobs?${q}`);
  } catch (e) {
    $('conn').textContent = e instanceof ApiError ? e.message : 'server unreachable';
    return;
  }
  list.more = Boolean(data.more);
  const rows = data.jobs.map((j) => {
    list.jobs.set(j.id, j);
    const tr = el(
      'tr',
      { className: j.id === view.selected ? 'selected' : '' },
      el('td', { className: 'id', textContent: shortId(j.id), title: j.id }),
      el('td', { textContent: j.agent || '' }),
      el('td', {}, badge(el('span'), shownStatus(j))),
      el('td', { className: 'wide', textContent: relative(j.createdAt), title: j.createdAt || '' }),
      el('td', { className: 'wide', textContent: took(j) }),
    );
    tr.dataset.id = j.id;
    tr.dataset.status = j.status;
    tr.addEventListener('click', () => (location.hash = `#job=${j.id}`));
    return tr;
  });
  $('jobs').tBodies[0].replaceChildren(...rows);
  $('jobs-empty').hidden = rows.length > 0;
  $('page-prev').disabled = list.offset === 0;
  $('page-next').disabled = !list.more;
  $('page-info').textContent = rows.length ? `${list.offset + 1}–${list.offset + rows.length}${list.more ? '' : ' (end)'}` : '';
  const shown = view.selected && list.jobs.get(view.selected);
  if (shown) showStatus(shown);
}

/** A job whose cancel was requested and that is still running is shown as stopping. */
const shownStatus = (j) => j.displayStatus || (j.status === 'running' && j.cancelRequestedAt ? 'stopping' : j.status);

export async function loadAgents() {
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

// ─── one job ─────────────────────────────────────────────────────────────────

function showStatus(job) {
  badge($('job-status'), shownStatus(job));
  $('job-meta').textContent = [
    `agent ${job.agent}`,
    job.model ? `model ${job.model}` : '',
    job.trigger && job.trigger !== 'manual' ? job.trigger : '',
    job.parentJobId ? `resumes ${shortId(job.parentJobId)}` : '',
    job.tags && job.tags.length ? `tags ${job.tags.join(', ')}` : '',
    job.startedAt ? `took ${took(job)}` : 'not started',
    job.exitReason ? `(${job.exitReason})` : '',
  ]
    .filter(Boolean)
    .join(' · ');
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

/** Closes the job view (the list stays). */
export function closeJob() {
  if (view.stream) view.stream.abort();
  view.stream = null;
  view.selected = null;
  $('detail').hidden = true;
  for (const tr of $('jobs').tBodies[0].rows) tr.classList.remove('selected');
}

export async function openJob(id) {
  if (view.selected === id && !$('detail').hidden) return;
  if (view.stream) view.stream.abort();
  view.selected = id;
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
  $('job-prompt').replaceChildren();
  let job;
  try {
    job = await api('GET', `/jobs/${id}`);
  } catch (e) {
    $('action-error').textContent = e.message;
    return;
  }
  if (view.selected !== id) return;
  $('job-title').textContent = job.id;
  $('job-prompt').replaceChildren(ansi(job.prompt ?? ''));
  showStatus(job);
  const ctrl = new AbortController();
  view.stream = ctrl;
  follow(job.id, ctrl.signal);
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
      const headers = { Authorization: `Bearer ${session.token}` };
      if (last !== null) headers['Last-Event-ID'] = String(last);
      const res = await fetch(`/jobs/${id}/events`, { headers, signal });
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
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
        if (e.status === 401) session.onUnauthorized('The server refused this token.');
        $('action-error').textContent = e.message;
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function parseFrame(block) {
  const data = block
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5))
    .join('\n');
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
  const events = $('events');
  const atBottom = events.scrollTop + events.clientHeight >= events.scrollHeight - 8;
  const [text, kind] = describe(e);
  const cls = [`ev-${e.type}`];
  if (e.type === 'tool_result' && (e.is_error || e.isError)) cls.push('failed');
  if (e.type === 'complete') cls.push(e.status);
  if (e.stream === 'stderr') cls.push('stderr');
  const li = el(
    'li',
    { className: cls.join(' ') },
    el('span', { className: 'ts', textContent: typeof e.ts === 'string' ? e.ts.slice(11, 19) : '' }),
    el('span', { className: 'kind', textContent: kind }),
    el('span', { className: 'body' }, ansi(text)),
  );
  li.dataset.seq = e.seq;
  li.dataset.type = e.type;
  events.append(li);
  if (atBottom) events.scrollTop = events.scrollHeight;
}

/** After `complete`, job.json turns terminal a moment later with the recap: read it until it has. */
async function finished(id, complete) {
  badge($('job-status'), complete.status);
  for (let i = 0; i < 20 && view.selected === id; i++) {
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
  const tags = $('submit-tags')
    .value.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length) body.tags = tags;
  $('submit-button').disabled = true;
  try {
    const { session_id: id } = await api('POST', '/jobs', body);
    $('submit-task').value = '';
    list.offset = 0;
    await refreshList();
    location.hash = `#job=${id}`;
  } catch (e) {
    $('submit-error').textContent = e.message;
  } finally {
    $('submit-button').disabled = false;
  }
}

async function cancelSelected() {
  const id = view.selected;
  $('action-error').textContent = '';
  $('cancel-button').disabled = true;
  try {
    const out = await api('POST', `/jobs/${id}/cancel`, { reason: $('cancel-reason').value.trim() || undefined });
    if (out.result === 'requested') {
      $('action-error').textContent = 'Cancel requested; the agent is stopping…';
      badge($('job-status'), 'stopping');
    } else if (out.job) showStatus(out.job);
  } catch (e) {
    $('action-error').textContent = e.message;
    $('cancel-button').disabled = false;
  }
  refreshList();
}

async function resumeSelected() {
  $('action-error').textContent = '';
  try {
    const { session_id: id } = await api('POST', '/v1/resume', { kind: 'job', from_subject_id: view.selected, prompt: $('resume-prompt').value.trim() || undefined });
    $('resume-prompt').value = '';
    list.offset = 0;
    await refreshList();
    location.hash = `#job=${id}`;
  } catch (e) {
    $('action-error').textContent = e.message;
  }
}

let searchTimer = null;

export function wireJobs() {
  $('submit-form').addEventListener('submit', submitJob);
  const refilter = () => {
    list.offset = 0;
    refreshList();
  };
  $('filter-status').addEventListener('change', refilter);
  $('filter-agent').addEventListener('change', refilter);
  $('filter-q').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refilter, 250);
  });
  $('page-prev').addEventListener('click', () => {
    list.offset = Math.max(0, list.offset - PAGE);
    refreshList();
  });
  $('page-next').addEventListener('click', () => {
    list.offset += PAGE;
    refreshList();
  });
  $('cancel-button').addEventListener('click', cancelSelected);
  $('resume-button').addEventListener('click', resumeSelected);
  $('close-job').addEventListener('click', () => (location.hash = '#jobs'));
}
