// The read-mostly pages: stats (charts), schedules, quotas, webhooks.
import { $, api, duration, el, money, relative, shortId, table } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs, ...children) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
};
const STACK = [
  ['completed', 'var(--ok)'],
  ['failed', 'var(--bad)'],
  ['cancelled', 'var(--cancel)'],
  ['active', 'var(--accent)'],
];

/** Stacked bars, one per day, scaled to the card's width (the SVG's viewBox stretches; no overflow). */
function perDayChart(days) {
  const w = 600;
  const h = 160;
  const max = Math.max(1, ...days.map((d) => d.created));
  const bw = w / Math.max(days.length, 1);
  const bars = [];
  days.forEach((d, i) => {
    let y = h;
    for (const [key, color] of STACK) {
      const n = d[key] || 0;
      if (!n) continue;
      const bh = (n / max) * (h - 4);
      y -= bh;
      bars.push(svg('rect', { x: i * bw + 1, y, width: Math.max(bw - 2, 1), height: bh, fill: color }, svg('title', {}, `${d.day}: ${n} ${key}`)));
    }
  });
  return svg('svg', { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none', class: 'chart', role: 'img', 'aria-label': 'jobs per day by status' }, ...bars);
}

/** Horizontal bars: label, bar, value. */
function barList(items) {
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  return el(
    'div',
    { className: 'bars' },
    ...items.map((i) =>
      el(
        'div',
        { className: 'bar-row' },
        el('span', { className: 'bar-label', textContent: i.label }),
        el('span', { className: 'bar-track' }, el('span', { className: 'bar', style: `width:${(100 * i.value) / max}%` })),
        el('span', { className: 'bar-value', textContent: i.text }),
      ),
    ),
  );
}

const legend = () => el('div', { className: 'legend' }, ...STACK.map(([k, c]) => el('span', {}, el('i', { style: `background:${c}` }), k === 'active' ? 'queued/running' : k)));

export async function showStats() {
  const since = $('stats-since').value;
  const s = await api('GET', `/v1/metrics/jobs${since ? `?since=${encodeURIComponent(since)}` : ''}`);
  const n = (a, b) => s[a] ?? s[b] ?? 0; // our names, or the seed's (jobs_created …)
  const cards = [
    ['created', n('created', 'jobs_created')],
    ['completed', n('completed', 'jobs_completed')],
    ['failed', n('failed', 'jobs_failed')],
    ['cancelled', n('cancelled', 'jobs_cancelled')],
    ['queued', n('queued', 'queued')],
    ['running', n('running', 'running')],
    ['webhooks delivered', n('webhooksDelivered', 'webhooks_delivered')],
    ['dead letters', n('webhooksDeadLettered', 'webhooks_dead_lettered')],
  ];
  $('stats-counters').replaceChildren(...cards.map(([k, v]) => el('div', { className: 'counter' }, el('b', { textContent: String(v) }), el('span', { textContent: k }))));
  const days = s.perDay || s.per_day || [];
  $('stats-perday').replaceChildren(days.length ? perDayChart(days) : el('p', { className: 'muted', textContent: 'No jobs in this window.' }), legend());
  const hist = s.durationHistogram || s.duration_histogram || [];
  let lower = 0;
  $('stats-durations').replaceChildren(
    barList(
      hist.map((b) => {
        const label = b.upToMs === null ? `≥ ${duration(lower)}` : `< ${duration(b.upToMs)}`;
        lower = b.upToMs ?? lower;
        return { label, value: b.count, text: String(b.count) };
      }),
    ),
  );
  const agents = s.agents || [];
  $('stats-cost').replaceChildren(
    agents.length ? barList(agents.map((a) => ({ label: a.agent, value: a.costUsd || 0, text: money(a.costUsd) }))) : el('p', { className: 'muted', textContent: 'No agents ran yet.' }),
  );
  $('stats-agents').replaceChildren(
    table(
      [
        ['Agent', (a) => a.agent],
        ['Jobs', (a) => a.jobs],
        ['Success', (a) => (a.successRate === null || a.successRate === undefined ? '-' : `${Math.round(a.successRate * 100)}%`)],
        ['p50', (a) => (a.durationMs ? duration(a.durationMs.p50) : '-'), 'wide'],
        ['p95', (a) => (a.durationMs ? duration(a.durationMs.p95) : '-'), 'wide'],
        ['Tokens', (a) => (a.tokens ? String(a.tokens.input + a.tokens.output) : '-'), 'wide'],
        ['Cost', (a) => money(a.costUsd)],
      ],
      agents,
    ),
  );
}

export async function showSchedules() {
  const s = await api('GET', '/v1/schedules');
  $('schedules-scheduler').textContent = s.scheduler
    ? `Scheduler: pid ${s.scheduler.pid} on ${s.scheduler.host}, since ${relative(s.scheduler.startedAt)}`
    : 'Scheduler: not running (start it with: herdctl start)';
  $('schedules-table').replaceChildren(
    s.schedules.length
      ? table(
          [
            ['Agent', (r) => r.agent],
            ['Schedule', (r) => r.schedule],
            ['When', (r) => r.expression + (r.timezone ? ` (${r.timezone})` : ''), 'wide'],
            ['Last fire', (r) => (r.lastFire ? relative(r.lastFire) : '-')],
            ['Next fire', (r) => (r.enabled ? (r.nextFire ? relative(r.nextFire) : '-') : 'disabled')],
            ['Last outcome', (r) => r.lastOutcome ?? '-'],
          ],
          s.schedules,
          (tr, r) => {
            tr.dataset.schedule = `${r.agent}/${r.schedule}`;
            if (r.lastJob) tr.addEventListener('click', () => (location.hash = `#job=${r.lastJob}`));
          },
        )
      : el('p', { className: 'muted', textContent: s.config ? `No schedules in ${s.config}.` : 'No herdctl.yaml found.' }),
  );
}

export async function showQuotas() {
  const { buckets } = await api('GET', '/v1/quotas');
  const cap = (used, limit) => (limit === null || limit === undefined ? `${used}` : `${used} / ${limit}`);
  $('quotas-table').replaceChildren(
    buckets.length
      ? table(
          [
            ['Bucket', (b) => b.bucket],
            ['Last 60 min', (b) => cap(b.tasksPerHour.used, b.tasksPerHour.limit)],
            ['Total', (b) => cap(b.tasksTotal.used, b.tasksTotal.limit)],
            ['Frees a slot', (b) => (b.freesAt ? relative(b.freesAt) : '-')],
          ],
          buckets,
          (tr, b) => (tr.dataset.bucket = b.bucket),
        )
      : el('p', { className: 'muted', textContent: 'No quota buckets in the config.' }),
  );
}

export async function showWebhooks() {
  const data = await api('GET', '/v1/webhooks?limit=100');
  for (const state of ['pending', 'dead', 'delivered']) {
    const { total, deliveries } = data[state] || { total: 0, deliveries: [] };
    $(`webhooks-${state}-count`).textContent = String(total);
    $(`webhooks-${state}`).replaceChildren(
      deliveries.length
        ? table(
            [
              ['Job', (d) => shortId(d.jobId), 'id'],
              ['URL', (d) => d.url || '-', 'wide url'],
              ['Attempts', (d) => String(d.attempts ?? '-')],
              [state === 'pending' ? 'Next attempt' : 'When', (d) => relative(state === 'pending' ? d.nextAttemptAt : d.deliveredAt || d.deadAt || d.updatedAt)],
              ['Last error', (d) => d.lastError || d.problem || '-', 'wide'],
              ['', (d) => (state === 'pending' ? '' : redeliverButton(d.jobId))],
            ],
            deliveries,
            (tr, d) => (tr.dataset.id = d.jobId),
          )
        : el('p', { className: 'muted', textContent: `None ${state}.` }),
    );
  }
}

function redeliverButton(id) {
  const b = el('button', { type: 'button', textContent: 'Redeliver', className: 'small' });
  b.addEventListener('click', async (ev) => {
    ev.stopPropagation();
    b.disabled = true;
    try {
      const out = await api('POST', `/v1/jobs/${id}/webhook/redeliver`);
      $('webhooks-error').textContent = `Redelivered ${shortId(id)}: ${out.status}`;
    } catch (e) {
      $('webhooks-error').textContent = e.message;
    }
    showWebhooks();
  });
  return b;
}
