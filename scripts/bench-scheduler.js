#!/usr/bin/env node
// The scheduler's figures (needs a build: npm run build):
//   1. idle CPU of `herdctl start` with 1,000 schedules, none due in the window: target under 1% of a core;
//   2. fire lateness of a per-second schedule, tick → job durable on disk: target p95 under 100 ms.
// node scripts/bench-scheduler.js [--idle-seconds 60] [--ticks 30] [--json]   (--json: one JSON line at the end, for scripts/bench.js)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(argv[i + 1]);
};
const idleSeconds = opt('idle-seconds', 60);
const ticks = opt('ticks', 30);
const asJson = argv.includes('--json');
const say = (s) => {
  if (!asJson) process.stdout.write(s + '\n');
};

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function startScheduler(home, config) {
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, HERDCTL_HOME: home, NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [join(root, 'bin/run.js'), 'start', '--config', config, '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const events = [];
  let rest = '';
  child.stdout.on('data', (b) => {
    const lines = (rest + b).split('\n');
    rest = lines.pop();
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l));
  });
  const s = { child, events, code: undefined };
  s.exited = new Promise((resolve) => child.on('exit', (code) => resolve((s.code = code))));
  return s;
}

async function until(s, ok, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (s.code !== undefined) throw new Error(`herdctl start exited with ${s.code} before ${what} (is dist/ built?)`);
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** 1,000 cron schedules over 20 agents and four zones, every one at least an hour away from now in its zone. */
function manySchedules(dir) {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'];
  const hourIn = (tz) => Number(new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
  let yaml = 'agents:\n';
  for (let a = 0; a < 20; a++) {
    yaml += `  agent-${a}:\n    runtime: command\n    command: ["true"]\n    workspace: ${dir}\n    schedules:\n`;
    for (let s = 0; s < 50; s++) {
      const i = a * 50 + s;
      const tz = zones[i % zones.length];
      const hour = (hourIn(tz) + 2 + (i % 20)) % 24;
      yaml += `      s${s}: { cron: "${i % 60} ${hour} * * ${i % 3 === 0 ? '1-5' : '*'}", timezone: ${tz} }\n`;
    }
  }
  return yaml;
}

async function idleCpu(dir) {
  const home = join(dir, 'idle-home');
  const config = join(dir, 'idle.yaml');
  writeFileSync(config, manySchedules(dir));
  const t0 = performance.now();
  const s = startScheduler(home, config);
  await until(s, () => s.events.some((e) => e.event === 'start'), 30_000, 'scheduler start');
  const startupMs = performance.now() - t0;
  const scheduleCount = s.events.find((e) => e.event === 'start').schedules;
  await sleep(2000); // let start-up work settle
  const c0 = cpuSeconds(s.child.pid);
  const w0 = performance.now();
  await sleep(idleSeconds * 1000);
  const cpu = cpuSeconds(s.child.pid) - c0;
  const wall = (performance.now() - w0) / 1000;
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))[1]) / 1024;
  const fired = s.events.filter((e) => e.event === 'fire').length;
  s.child.kill('SIGTERM');
  await s.exited;
  return { schedules: scheduleCount, seconds: Math.round(wall), cpuPercent: (cpu / wall) * 100, startupMs: Math.round(startupMs), rssMb: Math.round(rssMb), fired };
}

async function lateness(dir) {
  const home = join(dir, 'late-home');
  const config = join(dir, 'late.yaml');
  writeFileSync(config, `agents:\n  tick:\n    runtime: command\n    command: ["true"]\n    workspace: ${dir}\n    schedules:\n      sec: { every: 1s, overlap: allow }\n`);
  const s = startScheduler(home, config);
  await until(s, () => s.events.filter((e) => e.event === 'fire').length >= ticks, (ticks + 30) * 1000, `${ticks} fires`);
  s.child.kill('SIGTERM');
  await s.exited;
  const fires = s.events.filter((e) => e.event === 'fire').slice(0, ticks);
  // wake: tick → key claimed (the scheduler woke); durable: tick → job.json and its key on disk
  const wake = fires.map((e) => {
    const r = JSON.parse(readFileSync(join(home, 'scheduler', 'ticks', 'tick', 'sec', `${e.tick.replace(/[-:]/g, '')}.json`), 'utf8'));
    return Date.parse(r.claimedAt) - Date.parse(e.tick);
  });
  const sorted = (xs) => [...xs].sort((x, y) => x - y);
  const durable = sorted(fires.map((e) => e.lateMs));
  const woke = sorted(wake);
  return {
    ticks: fires.length,
    skipped: s.events.filter((e) => e.event === 'skip').length,
    p50Ms: pct(durable, 50),
    p95Ms: pct(durable, 95),
    maxMs: durable.at(-1),
    wakeP50Ms: pct(woke, 50),
    wakeP95Ms: pct(woke, 95),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'herdctl-bench-sched-'));
try {
  say(`idle CPU: herdctl start with 1,000 schedules, ${idleSeconds} s …`);
  const idle = await idleCpu(dir);
  say(
    `  ${idle.cpuPercent.toFixed(3)}% of a core over ${idle.seconds} s (target < 1%): ${idle.cpuPercent < 1 ? 'ok' : 'OVER'}; ${idle.schedules} schedules, start-up ${idle.startupMs} ms, RSS ${idle.rssMb} MB, ${idle.fired} fired`,
  );
  say(`fire lateness: a per-second schedule, ${ticks} ticks …`);
  const late = await lateness(dir);
  say(`  tick → job durable: p50 ${late.p50Ms} ms, p95 ${late.p95Ms} ms, max ${late.maxMs} ms (target p95 < 100 ms): ${late.p95Ms < 100 ? 'ok' : 'OVER'}`);
  say(`  tick → scheduler awake: p50 ${late.wakeP50Ms} ms, p95 ${late.wakeP95Ms} ms`);
  if (asJson) process.stdout.write(JSON.stringify({ bench: 'scheduler', idle, lateness: late, ok: idle.cpuPercent < 1 && late.p95Ms < 100 }) + '\n');
} finally {
  await sleep(1500); // the detached runners linger a second after their last job
  rmSync(dir, { recursive: true, force: true });
}
