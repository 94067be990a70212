#!/usr/bin/env node
// `herdctl serve` benchmarks (issue 6), against the built CLI (npm run build first):
//
//   node scripts/bench-serve.js [--clients 200] [--events 20000] [--jobs 10000] [--requests 60]
//
// 1. SSE fan-out: a fake-Claude job pauses 1 s (the clients connect), then
//    floods --events events; --clients clients on loopback (in 4 worker
//    threads, so the clients' own parsing is not the bottleneck) follow it.
//    Every client is checked to get every event once, in order. Reports how
//    long the flood took to write and to deliver, events/s delivered
//    (clients × events ÷ delivery time) and the server's RSS.
// 2. GET /jobs latency at --jobs jobs (state from scripts/gen-state.js):
//    median / p95 / max of --requests sequential requests per route, plus
//    the first request after the server started.
//
// Prints a table, then one JSON line with every figure.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(ROOT, 'bin', 'run.js');
const THREADS = 4;

// ---------------------------------------------------------------- SSE client (worker threads)

/** Follows one stream; resolves with the number of events, whether ids were 0,1,2… and when the flood started / the stream ended. */
function follow(url, token) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let buf = '';
      let next = 0;
      let inOrder = res.statusCode === 200;
      let floodAt = null;
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        const cut = buf.lastIndexOf('\n\n');
        if (cut === -1) return;
        for (const block of buf.slice(0, cut).split('\n\n')) {
          if (!block.startsWith('id: ')) continue;
          const id = Number(block.slice(4, block.indexOf('\n')));
          if (id !== next) inOrder = false;
          if (id === 3) floodAt = Date.now(); // start, init and the first text came before the pause ended
          next = id + 1;
        }
        buf = buf.slice(cut + 2);
      });
      res.on('end', () => resolve({ events: next, inOrder, floodAt, endAt: Date.now() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

if (!isMainThread) {
  const { url, token, n } = workerData;
  Promise.all(Array.from({ length: n }, () => follow(url, token))).then((r) => parentPort.postMessage(r));
} else {
  await main(parseArgs(process.argv.slice(2)));
}

// ---------------------------------------------------------------- main

function parseArgs(argv) {
  const o = { clients: 200, events: 20_000, jobs: 10_000, requests: 60 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o) || !/^\d+$/.test(argv[i + 1] ?? '')) {
      process.stderr.write('usage: node scripts/bench-serve.js [--clients 200] [--events 20000] [--jobs 10000] [--requests 60]\n');
      process.exit(2);
    }
    o[key] = Number(argv[++i]);
  }
  return o;
}

async function main(o) {
  if (!fs.existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) {
    process.stderr.write('bench-serve: build first (npm run build)\n');
    process.exit(2);
  }
  const dir = fs.mkdtempSync(join(tmpdir(), 'herdctl-bench-serve-'));
  try {
    const fanout = await benchFanout(dir, o);
    const list = await benchList(dir, o);
    print(o, fanout, list);
    process.stdout.write(JSON.stringify({ clients: o.clients, events: o.events, jobs: o.jobs, fanout, list }) + '\n');
  } finally {
    await removeWhenQuiet(dir);
  }
}

/** Listing nudges runners for the generated pending jobs; they write into the state dir until they go idle and exit. */
async function removeWhenQuiet(dir) {
  for (let i = 0; ; i++) {
    try {
      return fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (i === 60) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

// ---------------------------------------------------------------- the server

async function startServer(home, env = {}) {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], {
    env: { ...process.env, HERDCTL_HOME: home, HERDCTL_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (b) => {
      out += b;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    proc.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  const { url } = JSON.parse(line);
  const token = fs.readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const stop = () => new Promise((resolve) => (proc.exitCode !== null ? resolve() : (proc.on('exit', resolve), proc.kill('SIGTERM'))));
  return { url, token, pid: proc.pid, stop };
}

function rssMiB(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

function request(url, token, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// ---------------------------------------------------------------- 1. SSE fan-out

async function benchFanout(dir, o) {
  const home = join(dir, 'fanout');
  const ws = join(dir, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  const config = join(dir, 'herdctl.yaml');
  fs.writeFileSync(config, `agents:\n  flood:\n    runtime: claude\n    workspace: ${ws}\n    claude_bin: ${join(ROOT, 'fixtures', 'bin', 'claude')}\n`);
  const server = await startServer(home, { HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude') });
  try {
    const idle = rssMiB(server.pid, 'VmRSS');
    const r = await request(`${server.url}/jobs`, server.token, 'POST', { agent: 'flood', task: `slow:1:1000 flood:${o.events}` });
    const id = JSON.parse(r.text).session_id;
    let sampled = idle;
    const sampler = setInterval(() => (sampled = Math.max(sampled, rssMiB(server.pid, 'VmRSS') ?? 0)), 50);
    const per = Math.ceil(o.clients / THREADS);
    const threads = Array.from({ length: THREADS }, (_, i) => {
      const n = Math.min(per, o.clients - i * per);
      return new Promise((resolve, reject) => {
        const w = new Worker(fileURLToPath(import.meta.url), { workerData: { url: `${server.url}/jobs/${id}/events`, token: server.token, n } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    });
    const results = (await Promise.all(threads)).flat();
    clearInterval(sampler);
    const peak = rssMiB(server.pid, 'VmHWM');
    const lines = fs
      .readFileSync(join(home, 'jobs', id, 'output.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    const ok = results.filter((c) => c.inOrder && c.events === lines.length).length;
    const ts = (k) => Date.parse(JSON.parse(lines[k]).ts);
    const writeMs = ts(lines.length - 1) - ts(3);
    const deliverMs = Math.max(...results.map((c) => c.endAt)) - Math.min(...results.map((c) => c.floodAt));
    return {
      clients: results.length,
      clientsComplete: ok,
      events: lines.length,
      writeMs,
      deliverMs,
      eventsPerSecDelivered: Math.round((results.length * lines.length) / (deliverMs / 1000)),
      rssMiB: { idle, sampledPeak: sampled, peak },
    };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- 2. GET /jobs at N jobs

async function benchList(dir, o) {
  const home = join(dir, `n${o.jobs}`);
  const gen = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-state.js'), home, String(o.jobs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (gen.status !== 0) throw new Error('gen-state.js failed');
  const { sample } = JSON.parse(gen.stdout.trim().split('\n').pop());
  const server = await startServer(home);
  try {
    const first = await request(`${server.url}/jobs`, server.token);
    const routes = {
      'GET /jobs': '/jobs',
      'GET /jobs?limit=100': '/jobs?limit=100',
      'GET /jobs?status=failed': '/jobs?status=failed',
      'GET /jobs?status=running': '/jobs?status=running',
      [`GET /jobs?agent=${sample.agent}`]: `/jobs?agent=${sample.agent}`,
      'GET /jobs/<id prefix>': `/jobs/${sample.prefix}`,
      'GET /v1/metrics/jobs': '/v1/metrics/jobs',
    };
    const out = { firstRequestMs: round(first.ms) };
    for (const [name, path] of Object.entries(routes)) {
      const ms = [];
      for (let i = 0; i < o.requests; i++) {
        const r = await request(server.url + path, server.token);
        if (r.status !== 200) throw new Error(`${name}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        ms.push(r.ms);
      }
      ms.sort((a, b) => a - b);
      out[name] = { p50: round(ms[Math.floor(ms.length / 2)]), p95: round(ms[Math.ceil(ms.length * 0.95) - 1]), max: round(ms.at(-1)) };
    }
    return out;
  } finally {
    await server.stop();
  }
}

function round(x) {
  return Math.round(x * 10) / 10;
}

function print(o, f, l) {
  const w = (s, n) => String(s).padEnd(n);
  console.log(`SSE fan-out: ${f.clients} clients following one job of ${f.events} events (loopback)`);
  console.log(`  complete and in order: ${f.clientsComplete}/${f.clients}`);
  console.log(`  the agent wrote the flood in ${f.writeMs} ms; delivered to all clients in ${f.deliverMs} ms`);
  console.log(`  ${f.eventsPerSecDelivered.toLocaleString('en')} events/s delivered`);
  console.log(`  server RSS: ${f.rssMiB.idle} MiB idle, ${f.rssMiB.peak} MiB peak`);
  console.log(`\nGET latency at ${o.jobs.toLocaleString('en')} jobs (${o.requests} sequential requests each, ms)`);
  console.log(`  first request after start: ${l.firstRequestMs}`);
  console.log(`  ${w('route', 34)}${w('p50', 8)}${w('p95', 8)}max`);
  for (const [k, v] of Object.entries(l)) if (k !== 'firstRequestMs') console.log(`  ${w(k, 34)}${w(v.p50, 8)}${w(v.p95, 8)}${v.max}`);
}
