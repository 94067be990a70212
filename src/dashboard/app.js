// The herdctl dashboard: plain browser JavaScript modules, served by `herdctl serve` itself (no build
// step, nothing from elsewhere). It talks to the same HTTP API as any other client (docs/api.md), with
// the token in an Authorization header. Pages are hash routes, so back/forward and links work:
// #jobs, #job=<id>, #stats, #schedules, #quotas, #webhooks.
import { closeJob, loadAgents, openJob, refreshList, wireJobs } from './jobs.js';
import { showQuotas, showSchedules, showStats, showWebhooks } from './pages.js';
import { $, TOKEN_KEY, session } from './ui.js';

const POLL_MS = 1500;
const PAGES = { jobs: refreshList, stats: showStats, schedules: showSchedules, quotas: showQuotas, webhooks: showWebhooks };
let current = 'jobs';
let poller = null;

/** A #token=… fragment (never sent to the server) is stored, then removed from the address bar. */
function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  session.token = localStorage.getItem(TOKEN_KEY);
}

function askToken(message) {
  $('token-error').textContent = message || '';
  const d = $('token-dialog');
  if (!d.open) d.showModal();
  $('token-input').focus();
}
session.onUnauthorized = askToken;

/** The page the hash names; a job view lives on the jobs page. */
function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const job = /^job=([A-Za-z0-9-]+)$/.exec(hash);
  const page = job ? 'jobs' : Object.hasOwn(PAGES, hash) ? hash : 'jobs';
  current = page;
  for (const name of Object.keys(PAGES)) {
    $(`page-${name}`).hidden = name !== page;
    const link = document.querySelector(`nav a[data-page="${name}"]`);
    link.classList.toggle('current', name === page);
    if (name === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (job) openJob(job[1]);
  else if (page === 'jobs') closeJob();
  refresh();
}

async function refresh() {
  const page = current;
  try {
    await PAGES[page]();
    $('page-error').textContent = '';
  } catch (e) {
    if (page === current) $('page-error').textContent = e.message;
  }
}

async function start() {
  $('conn').textContent = 'connecting…';
  await loadAgents();
  route();
  clearInterval(poller);
  // the jobs list follows statuses; the other pages refresh less often
  let tick = 0;
  poller = setInterval(() => (current === 'jobs' || ++tick % 4 === 0) && refresh(), POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    session.token = $('token-input').value.trim();
    localStorage.setItem(TOKEN_KEY, session.token);
    $('token-input').value = '';
    $('token-dialog').close();
    start();
  });
  $('forget-token').addEventListener('click', () => {
    localStorage.removeItem(TOKEN_KEY);
    askToken();
  });
  $('stats-since').addEventListener('change', refresh);
  wireJobs();
  window.addEventListener('hashchange', () => session.token && route());
  takeToken();
  if (session.token) start();
  else askToken();
});
