// The runner figures of issue 3 ("Performance (bench)"), run by scripts/bench.js,
// which passes the build snapshot, the floor, the runner stand-in and the
// cached 100k state in `ctx`. Each figure runs the real CLI and real detached
// runners (from the build snapshot) in a throwaway state dir under $TMPDIR,
// and ends, by pid, whatever it started there that still lives.
//
//   events  events/s from an agent printing 200k short lines as fast as it can:
//           a node script under runtime `command`, and the fake claude's
//           `flood:200000`; events in output.jsonl ÷ (complete.ts − start.ts).
//           While the job runs, a follower polls output.jsonl every 10 ms: the
//           oldest line each poll newly sees gives "visible after" (vs the
//           time the agent stamped into the line, and vs the event's ts). A
//           third run puts the runner under `strace --seccomp-bpf -e
//           fdatasync` (it stops on nothing else): every event's ts is matched
//           to the first fdatasync of output.jsonl that began after it (the
//           writer flushes before any timer can run, so that sync covers it).
//   start   `herdctl run` spawned → the agent's first act (`date +%s%N`), cold
//           (no runner: run starts one) and warm (the agent's runner is busy
//           with another job, max_concurrent 2).
//   run     `run`'s own wall time, bash `time` like the CLI table, with a live
//           runner (the stand-in holds its lock: no job runs) at 0 jobs and on
//           a hard-link copy of the cached 100k state; plus cold `run` (it
//           spawns the runner) from the `start` samples.
//   next    max_concurrent 1, a queue of jobs whose agents stamp their start and
//           end: the next agent's start − the previous agent's end.
//   storm   20 processes × 50 submissions (as test/runner-stress.test.ts), limits
//           global 3 and 2 per agent: wall time and peak concurrency.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { pathToFileURL } from 'node:url';

const LINES = 200_000;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
/** Nearest-rank percentile of an ascending list. */
const pct = (asc, p) => asc[Math.min(asc.length - 1, Math.max(0, Math.ceil((p / 100) * asc.length) - 1))];
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f1 = (x) => x.toFixed(1);
const firstLine = (s) => s.trim().split('\n')[0] ?? '';

/** Resolves with fn()'s first truthy value, polling every `everyMs`; rejects after `timeoutMs`. */
async function waitFor(what, fn, timeoutMs = 30_000, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (e) {
      last = e; // a file not written yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (${last.message})` : ''}`);
    await sleep(everyMs);
  }
}

/** Runs a process to its end: exit code, output, and when it exited (ms after `t0`, the instant before spawn). */
function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let exitMs = null;
    c.stdout.on('data', (b) => (out += b));
    c.stderr.on('data', (b) => (err += b));
    c.on('error', reject);
    c.on('exit', () => (exitMs = Date.now() - t0));
    c.on('close', (code) => resolve({ code, stdout: out, stderr: err, t0, exitMs }));
  });
}

/** SIGKILLs, one pid at a time, every live process whose command line or working directory lies under `dir` (all started by this bench). */
function killUnder(dir) {
  let n = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let ours = false;
    try {
      ours = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir) || fs.readlinkSync(`/proc/${name}/cwd`).startsWith(dir);
    } catch {
      continue; // gone, or not ours to read
    }
    if (!ours) continue;
    try {
      process.kill(Number(name), 'SIGKILL');
      n++;
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}

/** One agent block of a herdctl.yaml; `body` is its indented settings. */
const agentYaml = (name, ws, body) => `  ${name}:\n    workspace: ${JSON.stringify(ws)}\n${body.replace(/^/gm, '    ')}\n`;

/**
 * A throwaway state dir (home/, ws/, herdctl.yaml from `yaml({dir, ws})`)
 * and the real CLI pointed at it through HERDCTL_HOME / HERDCTL_CONFIG.
 */
function makeLab(ctx, name, yaml) {
  const dir = fs.mkdtempSync(join(tmpdir(), `herdctl-bench-${name}-`));
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  fs.mkdirSync(ws);
  const config = join(dir, 'herdctl.yaml');
  fs.writeFileSync(config, yaml({ dir, ws }));
  const env = { ...ctx.env, HERDCTL_HOME: home, HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude') };
  const lab = {
    dir,
    home,
    ws,
    config,
    env,
    cli: (args) => run(ctx.node, [ctx.bin, ...args], env),
    async submit(agent, prompt) {
      const r = await lab.cli(['run', agent, '--prompt', prompt]);
      if (r.code !== 0) throw new Error(`herdctl run ${agent} failed (exit ${r.code}): ${firstLine(r.stderr)}`);
      return r.stdout.trim();
    },
    output: (id) => join(home, 'jobs', id, 'output.jsonl'),
    job: (id) => JSON.parse(fs.readFileSync(join(home, 'jobs', id, 'job.json'), 'utf8')),
    ended: (id) => waitFor(`${id} to end`, () => (TERMINAL.has(lab.job(id).status) ? lab.job(id) : null), 120_000),
    /** This host's runner lock for the agent (locks/runner-<agent>@<host id>.lock), if it exists. */
    runnerLock: (agent, ext = '.lock') => (fs.existsSync(join(home, 'locks')) ? fs.readdirSync(join(home, 'locks')).find((n) => n.startsWith(`runner-${agent}@`) && n.endsWith(ext)) : undefined),
    runnerUp: (agent) => lab.runnerLock(agent) !== undefined,
    /** Resolves once no runner holds a lock here (an idle runner lingers ~1 s, then exits). */
    idle: (timeoutMs = 15_000) => {
      const locks = join(home, 'locks');
      return waitFor('the runners to exit', () => !fs.existsSync(locks) || !fs.readdirSync(locks).some((n) => /^runner-.*\.lock$/.test(n)), timeoutMs);
    },
    /** Waits for its runners to exit, ends what still lives there, removes the dir. */
    async close() {
      await lab.idle(10_000).catch(() => {});
      if (killUnder(dir) > 0) await sleep(100);
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
  return lab;
}

/** Every event of an output.jsonl (whole lines only). */
function readEvents(file) {
  const text = fs.readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l));
}

// ---------------------------------------------------------------- agents

/** The 200k-line agent: short lines, each carrying the ms it was made, in ~64 KiB writes (as a buffered program writes). */
const FLOOD_JS = `const fs = require('node:fs');
const n = Number(process.argv[2]);
const put = (s) => {
  const b = Buffer.from(s);
  for (let off = 0; off < b.length; ) {
    try {
      off += fs.writeSync(1, b, off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
};
let buf = '';
for (let i = 0; i < n; i++) {
  buf += 'line ' + i + ' ' + Date.now() + '\\n';
  if (buf.length >= 65536) (put(buf), (buf = ''));
}
put(buf);
`;

/**
 * An agent that stamps its start and end (ns, `date +%s%N`) with its prompt
 * into `trace`; a prompt starting with "hold" waits for the file `go` first.
 */
const stampAgent = (trace, go, extra = '') => [
  'sh',
  '-c',
  `echo "S $(date +%s%N) $HERDCTL_PROMPT" >> '${trace}'; ${extra}case "$HERDCTL_PROMPT" in hold*) while [ ! -e '${go}' ]; do sleep 0.02; done;; esac; echo "E $(date +%s%N) $HERDCTL_PROMPT" >> '${trace}'`,
];

/** prompt → { S, E } in ms (fractional) from a stampAgent trace; `runs` counts starts per prompt. */
function readStamps(trace) {
  const out = new Map();
  let text = '';
  try {
    text = fs.readFileSync(trace, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = /^([SE]) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const s = out.get(m[3]) ?? { runs: 0 };
    if (m[1] === 'S') s.runs++;
    s[m[1]] = Number(m[2]) / 1e6;
    out.set(m[3], s);
  }
  return out;
}

// ---------------------------------------------------------------- 1. events/s

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** user + system CPU of a live process, in ms (clock-tick resolution); null once it is gone. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * Polls output.jsonl every `everyMs` until its `complete` line: per poll, the
 * oldest newly visible line's lag behind its ts and behind the agent's own
 * stamp (lines "line <i> <ms>"). Also the runner's CPU time from its `start`
 * event to its `complete` one (it lingers after the job, so it is still there).
 * `gone()`: a reason to give up early (the process that should write it died).
 */
async function follow(file, gone = () => null, everyMs = 10, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  const buf = Buffer.allocUnsafe(1 << 22);
  const dec = new StringDecoder('utf8');
  let fd = null;
  let off = 0;
  let rest = '';
  const r = { polls: 0, lagTs: 0, lagAgent: null, runnerCpuMs: null };
  let runner = null;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`no complete event in ${file} after ${timeoutMs / 1000} s`);
      const why = gone();
      if (why) throw new Error(why);
      if (fd === null) {
        try {
          fd = fs.openSync(file, 'r');
        } catch {
          /* not created yet */
        }
      }
      let text = '';
      for (let n; fd !== null && (n = fs.readSync(fd, buf, 0, buf.length, off)) > 0; off += n) text += dec.write(buf.subarray(0, n));
      const at = Date.now();
      const data = rest + text;
      const last = data.lastIndexOf('\n');
      if (text && last !== -1) {
        r.polls++;
        const oldest = JSON.parse(data.slice(0, data.indexOf('\n')));
        if (oldest.type === 'start') runner = { pid: oldest.runnerPid, cpu: cpuMs(oldest.runnerPid) };
        r.lagTs = Math.max(r.lagTs, at - Date.parse(oldest.ts));
        const m = /^line \d+ (\d+)$/.exec(oldest.text ?? '');
        if (m) r.lagAgent = Math.max(r.lagAgent ?? 0, at - Number(m[1]));
        rest = data.slice(last + 1);
        if (JSON.parse(data.slice(data.lastIndexOf('\n', last - 1) + 1, last)).type === 'complete') {
          const end = runner && cpuMs(runner.pid);
          if (runner?.cpu != null && end != null) r.runnerCpuMs = end - runner.cpu;
          return r;
        }
      }
      await sleep(everyMs);
    }
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** Submits one flood job and follows it; the rate counts every event of output.jsonl over start.ts → complete.ts. */
async function flood(lab, agent, prompt) {
  const id = await lab.submit(agent, prompt);
  const seen = await follow(lab.output(id));
  const job = await lab.ended(id);
  const evs = readEvents(lab.output(id));
  const start = evs.find((e) => e.type === 'start');
  const complete = evs.at(-1);
  const spanMs = Date.parse(complete.ts) - Date.parse(start.ts);
  // sustained: first agent output → complete (leaves out the agent's own start-up)
  const firstOut = evs.find((e) => e.seq > start.seq);
  const steadyMs = Date.parse(complete.ts) - Date.parse(firstOut.ts);
  return { id, status: job.status, events: evs.length, spanMs, rate: (evs.length / spanMs) * 1000, steadyRate: ((evs.length - firstOut.seq) / steadyMs) * 1000, ...seen };
}

const hasStrace = () => spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * The durability pass: the job is queued while the stand-in holds the agent's
 * runner lock, then its runner is started by hand (exactly as ensureRunner
 * does) under strace, which stops only on fdatasync/fsync.
 */
async function floodTraced(ctx, lab, agent, prompt) {
  await lab.idle();
  fs.mkdirSync(join(lab.home, 'queue', agent), { recursive: true, mode: 0o700 });
  const stop = await ctx.startStandIn(lab.home);
  let id;
  try {
    id = await lab.submit(agent, prompt);
  } finally {
    await stop();
  }
  const file = lab.output(id);
  const trace = join(lab.dir, `strace-${id}.txt`);
  const st = spawn('strace', ['-f', '--seccomp-bpf', '-y', '-ttt', '-T', '-e', 'trace=fdatasync,fsync', '-o', trace, ctx.node, join(ctx.build, 'dist', 'runner-main.js'), lab.home, agent], {
    cwd: lab.home,
    env: lab.env,
    stdio: 'ignore',
    detached: true,
  });
  let code;
  const exited = new Promise((resolve) => st.on('close', (c) => resolve((code = c ?? 'signal'))).on('error', (e) => resolve((code = /** @type {NodeJS.ErrnoException} */ (e).code))));
  await follow(file, () => (code === undefined ? null : `strace ${ctx.node} runner-main.js exited (${code}) before the job ended: is ptrace allowed?`));
  await lab.ended(id);
  await Promise.race([exited, sleep(15_000)]);
  const syncs = [];
  for (const line of fs.readFileSync(trace, 'utf8').split('\n')) {
    const m = /^\d+\s+(\d+\.\d+) f(?:data)?sync\(\d+<([^>]*)>\) = 0 <(\d+\.\d+)>$/.exec(line);
    if (m && m[2] === file) syncs.push({ at: Number(m[1]) * 1000, done: (Number(m[1]) + Number(m[3])) * 1000 });
  }
  const evs = readEvents(file);
  const toAgent = [];
  let toTs = 0;
  let unsynced = 0;
  let k = 0;
  for (const e of evs) {
    const ts = Date.parse(e.ts);
    while (k < syncs.length && syncs[k].at < ts) k++;
    if (k === syncs.length) {
      unsynced++;
      continue;
    }
    toTs = Math.max(toTs, syncs[k].done - ts);
    const m = /^line \d+ (\d+)$/.exec(e.text ?? '');
    if (m) toAgent.push(syncs[k].done - Number(m[1]));
  }
  const complete = evs.at(-1);
  const spanMs = Date.parse(complete.ts) - Date.parse(evs[0].ts);
  const last = syncs.find((s) => s.at >= Date.parse(complete.ts));
  const asc = sorted(toAgent);
  return {
    id,
    events: evs.length,
    rate: (evs.length / spanMs) * 1000,
    syncs: syncs.length,
    unsynced,
    maxAgent: asc.at(-1),
    p99Agent: pct(asc, 99),
    maxTs: toTs,
    completeMs: last ? last.done - Date.parse(complete.ts) : null,
  };
}

async function eventsFigures(ctx) {
  const lab = makeLab(ctx, 'events', ({ dir, ws }) => {
    fs.writeFileSync(join(dir, 'flood.cjs'), FLOOD_JS);
    return (
      'agents:\n' +
      agentYaml('lines', ws, `runtime: command\ncommand: ${JSON.stringify([ctx.node, join(dir, 'flood.cjs'), String(LINES)])}`) +
      agentYaml('claude', ws, `runtime: claude\nclaude_bin: ${JSON.stringify(join(ctx.root, 'fixtures', 'bin', 'claude'))}`) +
      agentYaml('codex', ws, `runtime: codex\ncodex_bin: ${JSON.stringify(join(ctx.root, 'fixtures', 'bin', 'codex'))}\nenv: { FAKE_CODEX_STATE: ${JSON.stringify(join(dir, 'fake-codex'))} }`) +
      agentYaml('gemini', ws, `runtime: gemini\ngemini_bin: ${JSON.stringify(join(ctx.root, 'fixtures', 'bin', 'gemini'))}\nenv: { FAKE_GEMINI_STATE: ${JSON.stringify(join(dir, 'fake-gemini'))} }`)
    );
  });
  try {
    ctx.say(`  events/s: command agent, ${f0(LINES)} lines …`);
    const cmd = await flood(lab, 'lines', 'go');
    ctx.say(`  events/s: fake claude flood:${LINES} …`);
    const fake = await flood(lab, 'claude', `flood:${LINES}`);
    const fakes = [];
    for (const cli of ['codex', 'gemini']) {
      ctx.say(`  events/s: fake ${cli} flood:${LINES} …`);
      fakes.push(await flood(lab, cli, `flood:${LINES}`));
    }
    const names = [`command agent, ${f0(LINES)} lines`, `fake claude flood:${LINES}`, `fake codex flood:${LINES}`, `fake gemini flood:${LINES}`];
    const rows = [cmd, fake, ...fakes].map((r, i) => ({
      label: `runner events/s: ${names[i]}`,
      figure:
        `${f0(r.rate)}/s = ${(r.rate / ctx.appendRate).toFixed(2)}× raw append (${f0(r.events)} events in ${(r.spanMs / 1000).toFixed(2)} s; ${f0(r.steadyRate)}/s from the first output); ` +
        (r.runnerCpuMs
          ? `runner CPU ${f0(r.runnerCpuMs)} ms (${f0((r.events / r.runnerCpuMs) * 1000)} events per runner CPU-second, busy ${f0((100 * r.runnerCpuMs) / r.spanMs)}% of the span); `
          : '') +
        `visible to a follower ≤ ${r.lagAgent !== null ? `${f0(r.lagAgent)} ms after the agent printed, ` : ''}${f0(r.lagTs)} ms after its ts` +
        (r.status === 'completed' ? '' : `; the job ended ${r.status}`),
      target: '≥ 50,000/s',
      pass: r.status === 'completed' && r.rate >= 50_000,
    }));
    rows.push(...(await parserFigures(ctx)));
    const label = 'every event on disk (fdatasync) within';
    if (!hasStrace()) rows.push({ label, figure: 'skipped: no strace to see the fdatasyncs', target: '≤ 200 ms', pass: null });
    else {
      ctx.say('  durability: the same 200k lines, runner under strace (fdatasync only) …');
      try {
        const d = await floodTraced(ctx, lab, 'lines', 'go');
        rows.push({
          label,
          figure:
            `${f0(d.maxAgent)} ms of the agent printing it (p99 ${f0(d.p99Agent)} ms), ${f0(d.maxTs)} ms of its ts; ${d.syncs} fdatasyncs for ${f0(d.events)} events (${f0(d.rate)}/s under strace); ` +
            `complete synced ${d.completeMs === null ? 'never' : `${f1(d.completeMs)} ms`} after its ts${d.unsynced ? `; ${d.unsynced} events never synced` : ''}`,
          target: '≤ 200 ms',
          pass: d.unsynced === 0 && d.maxAgent <= 200,
        });
      } catch (e) {
        rows.push({ label, figure: `error: ${e.message}`, target: '≤ 200 ms', pass: false });
      }
    }
    return rows;
  } finally {
    await lab.close();
  }
}

/** Lines/s through each runtime's parser alone (in this process), over lines of the shapes its transcripts show. */
async function parserFigures(ctx) {
  const N = 200_000;
  const shapes = {
    claude: (i) => ({ type: 'assistant', message: { id: `msg_${i}`, content: [{ type: 'text', text: `Line ${i}.` }] }, parent_tool_use_id: null, session_id: 's' }),
    codex: (i) =>
      i % 2
        ? { type: 'item.completed', item: { id: `item_${i}`, type: 'command_execution', command: '/bin/bash -lc ls', aggregated_output: 'README.md\n', exit_code: 0, status: 'completed' } }
        : { type: 'item.completed', item: { id: `item_${i}`, type: 'agent_message', text: `Line ${i}.` } },
    gemini: (i) =>
      i % 2
        ? { type: 'tool_use', timestamp: '2026-12-04T22:39:13.684Z', tool_name: 'run_shell_command', tool_id: `t${i}`, parameters: { command: 'ls' } }
        : { type: 'tool_result', timestamp: '2026-12-04T22:39:13.864Z', tool_id: `t${i - 1}`, status: 'success', output: 'README.md' },
  };
  const rows = [];
  for (const [name, shape] of Object.entries(shapes)) {
    const { getRuntime } = await import(pathToFileURL(join(ctx.build, 'dist', 'core', 'runtimes', 'index.js')).href);
    const lines = Array.from({ length: N }, (_, i) => JSON.stringify(shape(i)));
    const best = [];
    for (let round = 0; round < 3; round++) {
      const parser = getRuntime(name).parser();
      let events = 0;
      const t0 = process.hrtime.bigint();
      for (const line of lines) events += parser.line(line, 'stdout').length;
      events += (parser.flush?.() ?? []).length;
      best.push({ ms: Number(process.hrtime.bigint() - t0) / 1e6, events });
    }
    const { ms, events } = best.sort((a, b) => a.ms - b.ms)[0];
    rows.push({ label: `${name} parser alone`, figure: `${f0((N / ms) * 1000)} lines/s → ${f0(events)} events (best of 3, ${f0(N)} lines in ${f0(ms)} ms)`, target: 'none set', pass: null });
  }
  return rows;
}

// ---------------------------------------------------------------- 2. run → agent started (and cold `run` returns)

async function startFigures(ctx) {
  const n = Math.max(7, ctx.runs);
  const lab = makeLab(
    ctx,
    'start',
    ({ dir, ws }) =>
      `agents:\n${agentYaml('start', ws, `runtime: command\ncommand: ${JSON.stringify(stampAgent(join(dir, 'trace'), join(dir, 'go')))}\nmax_concurrent: 2`)}jobs: { max_concurrent: 4, cancel_grace: 2s }\n`,
  );
  const trace = join(lab.dir, 'trace');
  const one = async (prompt) => {
    const r = await run(ctx.node, [ctx.bin, 'run', 'start', '--prompt', prompt], lab.env);
    if (r.code !== 0) throw new Error(`herdctl run failed (exit ${r.code}): ${firstLine(r.stderr)}`);
    const id = r.stdout.trim();
    const s = await waitFor(`${prompt}'s agent`, () => readStamps(trace).get(prompt)?.S);
    let runnerUp = null;
    try {
      runnerUp = fs.statSync(join(lab.home, 'locks', lab.runnerLock('start', '.json'))).mtimeMs - r.t0;
    } catch {
      /* gone already */
    }
    await lab.ended(id);
    const start = readEvents(lab.output(id)).find((e) => e.type === 'start');
    return { agent: s - r.t0, startEvent: Date.parse(start.ts) - r.t0, created: Date.parse(lab.job(id).createdAt) - r.t0, returned: r.exitMs, runnerUp };
  };
  try {
    const floor = [];
    const cold = [];
    const warm = [];
    ctx.say(`  run → agent started: ${n} cold, ${n} warm …`);
    for (let i = 0; i < n; i++) {
      await waitFor('the runner to exit', () => !lab.runnerUp('start'), 15_000);
      floor.push((await run(ctx.node, ['-e', '0'], lab.env)).exitMs);
      cold.push(await one(`cold-${i}`));
    }
    const hold = await lab.submit('start', 'hold');
    await waitFor('the long job to start', () => readStamps(trace).get('hold')?.S);
    for (let i = 0; i < n; i++) warm.push(await one(`warm-${i}`));
    fs.writeFileSync(join(lab.dir, 'go'), '');
    await lab.ended(hold);
    const med = (xs, k) => ctx.median(xs.map((x) => x[k]).filter((v) => v !== null));
    const fl = ctx.median(floor);
    const floorNote = `floor: node -e 0 ${f1(fl)} ms (spawned the same way)`;
    return [
      {
        label: 'run → agent started, cold (run starts the runner)',
        figure: `median ${f1(med(cold, 'agent'))} ms = ${(med(cold, 'agent') / fl).toFixed(1)}× floor (job durable at ${f1(med(cold, 'created'))}, run returned ${f1(med(cold, 'returned'))}, runner holds its lock ${f1(med(cold, 'runnerUp'))}, start event ${f1(med(cold, 'startEvent'))} ms; n=${n})`,
        target: `none set; ${floorNote}`,
        pass: null,
      },
      {
        label: 'run → agent started, warm (its runner busy, max_concurrent 2)',
        figure: `median ${f1(med(warm, 'agent'))} ms = ${(med(warm, 'agent') / fl).toFixed(1)}× floor (job durable at ${f1(med(warm, 'created'))}, run returned ${f1(med(warm, 'returned'))}, start event ${f1(med(warm, 'startEvent'))} ms; n=${n})`,
        target: `none set; ${floorNote}`,
        pass: null,
      },
      {
        label: '`run` returns, cold (spawns the runner), 0 jobs',
        figure: `median ${f1(med(cold, 'returned'))} ms = ${(med(cold, 'returned') / fl).toFixed(2)}× floor (warm: ${f1(med(warm, 'returned'))} ms = ${(med(warm, 'returned') / fl).toFixed(2)}×)`,
        target: `≤ 3× floor (${f1(fl)} ms, same spawn)`,
        pass: med(cold, 'returned') <= 3 * fl,
      },
    ];
  } finally {
    fs.writeFileSync(join(lab.dir, 'go'), '');
    await lab.close();
  }
}

// ---------------------------------------------------------------- 3. `run` wall time at 0 and 100k jobs

/**
 * A copy of a cached state that `run` may add to: jobs/ hard-linked (job.json
 * is only ever replaced by rename, and the stand-in keeps every runner away
 * from output.jsonl), the files written in place (index segments, queue,
 * locks, the pending jobs' files) copied for real. jobs/'s mtime is kept, so
 * the copied index stays in sync.
 */
function stateCopy(from, to) {
  const cp = (args) => {
    const r = spawnSync('cp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`cp ${args.join(' ')}: ${firstLine(r.stderr.toString())}`);
  };
  cp(['-al', from, to]);
  for (const sub of ['index', 'queue', 'locks']) {
    if (!fs.existsSync(join(from, sub))) continue;
    fs.rmSync(join(to, sub), { recursive: true, force: true });
    cp(['-a', join(from, sub), join(to, sub)]);
  }
  for (const agent of fs.readdirSync(join(from, 'queue'))) {
    for (const marker of fs.readdirSync(join(from, 'queue', agent))) {
      const id = /(job-\d{8}-\d{6}-[0-9a-z]{8})$/.exec(marker)?.[1];
      if (!id) continue;
      for (const f of fs.readdirSync(join(from, 'jobs', id))) {
        const tmp = join(to, 'jobs', id, `.tmp-bench-${f}`);
        fs.copyFileSync(join(from, 'jobs', id, f), tmp);
        fs.renameSync(tmp, join(to, 'jobs', id, f));
      }
    }
  }
}

async function runFigures(ctx) {
  const big = await ctx.ensureState(100_000, false);
  const lab = makeLab(ctx, 'run', ({ ws }) => `agents:\n${agentYaml('bench', ws, 'runtime: command\ncommand: ["true"]')}`);
  const copy = join(ctx.state, `tmp-run-copy-${process.pid}`);
  const stops = [];
  for (const name of fs.readdirSync(ctx.state)) {
    const pid = /^tmp-run-copy-(\d+)$/.exec(name)?.[1];
    if (pid && !fs.existsSync(`/proc/${pid}`)) fs.rmSync(join(ctx.state, name), { recursive: true, force: true }); // a crashed bench's
  }
  try {
    ctx.say('  run at 0 / 100k jobs: hard-link copy of the 100k state …');
    const t = Date.now();
    stateCopy(big.home, copy);
    const copyS = (Date.now() - t) / 1000;
    /** @type {{ n: number, home: string, samples?: number[], cpu?: number[] }[]} */
    const homes = [
      { n: 0, home: lab.home },
      { n: big.jobs, home: copy },
    ];
    for (const h of homes) {
      fs.mkdirSync(join(h.home, 'queue', 'bench'), { recursive: true, mode: 0o700 });
      stops.push(await ctx.startStandIn(h.home));
    }
    const env = { ...ctx.env };
    const args = (home) => [ctx.bin, 'run', 'bench', '--prompt', 'x', '--home', home, '--config', lab.config];
    for (const h of homes) {
      const r = spawnSync(ctx.node, args(h.home), { env, encoding: 'utf8' });
      if (r.status !== 0 || !/^job-/.test(r.stdout)) throw new Error(`run at ${h.n} jobs: exit ${r.status}: ${firstLine(r.stderr)}`);
      h.samples = [];
      h.cpu = [];
    }
    const rounds = Math.max(7, ctx.runs);
    const floor = [];
    ctx.say(`  run at 0 / 100k jobs: ${rounds} interleaved rounds …`);
    for (let i = 0; i < rounds; i++) {
      floor.push(ctx.timeOnce(['-e', '0'], env).ms);
      for (const h of homes) {
        const r = ctx.timeOnce(args(h.home), env);
        if (r.status !== 0) throw new Error(`run at ${h.n} jobs: exit ${r.status}: ${firstLine(r.stderr)}`);
        h.samples.push(r.ms);
        h.cpu.push(r.cpu);
      }
    }
    const fl = ctx.median(floor);
    const [z, b] = homes.map((h) => ({ ...h, med: ctx.median(h.samples), best: Math.min(...h.samples) }));
    const flat = b.best - z.best <= Math.max(0.15 * z.best, 10);
    return [
      {
        label: '`run` returns, runner alive, 0 jobs',
        figure: `${f1(z.med)} ms = ${(z.med / fl).toFixed(2)}× floor (best ${f1(z.best)} ms; CPU ${f1(ctx.median(z.cpu))} ms)`,
        target: `≤ 3× floor (node -e 0 ${f1(fl)} ms)`,
        pass: z.med <= 3 * fl,
      },
      {
        label: `\`run\` returns, runner alive, ${f0(b.n)} jobs`,
        figure: `${f1(b.med)} ms = ${(b.med / fl).toFixed(2)}× floor (best ${f1(b.best)} ms = ${(b.best / z.best).toFixed(2)}× the 0-job best; CPU ${f1(ctx.median(b.cpu))} ms; copy made in ${f1(copyS)} s)`,
        target: '≤ 3× floor, flat in N',
        pass: b.med <= 3 * fl && flat,
      },
    ];
  } finally {
    for (const stop of stops) await stop();
    fs.rmSync(copy, { recursive: true, force: true });
    await lab.close();
  }
}

// ---------------------------------------------------------------- 4. slot freed → next job starts

async function nextFigure(ctx) {
  const n = ctx.quick ? 10 : 30;
  const lab = makeLab(
    ctx,
    'next',
    ({ dir, ws }) =>
      `agents:\n${agentYaml('next', ws, `runtime: command\ncommand: ${JSON.stringify(stampAgent(join(dir, 'trace'), join(dir, 'go')))}\nmax_concurrent: 1`)}jobs: { max_concurrent: 4 }\n`,
  );
  const trace = join(lab.dir, 'trace');
  try {
    ctx.say(`  slot freed → next job: ${n} queued jobs behind a held one …`);
    const ids = [await lab.submit('next', 'hold')];
    await waitFor('the first job to start', () => readStamps(trace).get('hold')?.S);
    for (let i = 0; i < n; i++) ids.push(await lab.submit('next', `q${i}`));
    fs.writeFileSync(join(lab.dir, 'go'), '');
    const jobs = [];
    for (const id of ids) jobs.push(await lab.ended(id));
    const stamps = readStamps(trace);
    const runs = jobs.map((j) => {
      const evs = readEvents(lab.output(j.id));
      return { prompt: j.prompt, status: j.status, ...stamps.get(j.prompt), start: Date.parse(evs.find((e) => e.type === 'start').ts), complete: Date.parse(evs.at(-1).ts) };
    });
    runs.sort((a, b) => a.S - b.S);
    const gaps = [];
    const parts = { end: [], next: [], exec: [] };
    for (let k = 1; k < runs.length; k++) {
      gaps.push(runs[k].S - runs[k - 1].E);
      parts.end.push(runs[k - 1].complete - runs[k - 1].E); // agent's last act → its complete event
      parts.next.push(runs[k].start - runs[k - 1].complete); // complete event → the next start event
      parts.exec.push(runs[k].S - runs[k].start); // start event → the agent's first act
    }
    const asc = sorted(gaps);
    const bad = runs.filter((r) => r.status !== 'completed' || r.runs !== 1).length;
    const med = ctx.median(gaps);
    return [
      {
        label: 'slot freed → next job starts (max_concurrent 1)',
        figure:
          `median ${f1(med)} ms, p95 ${f1(pct(asc, 95))} ms, max ${f1(asc.at(-1))} ms over ${gaps.length} hand-overs (medians: agent end → complete event ${f1(ctx.median(parts.end))}, ` +
          `→ next start event ${f1(ctx.median(parts.next))}, → next agent's first act ${f1(ctx.median(parts.exec))} ms)${bad ? `; ${bad} jobs did not complete exactly once` : ''}`,
        target: '< 50 ms (median)',
        pass: bad === 0 && med < 50,
      },
    ];
  } finally {
    fs.writeFileSync(join(lab.dir, 'go'), '');
    await lab.close();
  }
}

// ---------------------------------------------------------------- 5. the storm

/** Peak number of open intervals; at equal times an end counts before a start (a freed slot may be reused at once). */
function peakOverlap(intervals) {
  const points = intervals.flatMap((i) => [
    [i.start, 1],
    [i.end, -1],
  ]);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let peak = 0;
  for (const [, d] of points) peak = Math.max(peak, (cur += d));
  return peak;
}

async function stormFigure(ctx) {
  const WORKERS = 20;
  const PER = 50;
  const TOTAL = WORKERS * PER;
  const lab = makeLab(ctx, 'storm', ({ dir, ws }) => {
    const cmd = (a) => JSON.stringify(stampAgent(join(dir, `trace-${a}`), join(dir, 'go'), 'sleep 0.01; '));
    return `agents:\n${agentYaml('a', ws, `runtime: command\ncommand: ${cmd('a')}\nmax_concurrent: 2`)}${agentYaml('b', ws, `runtime: command\ncommand: ${cmd('b')}\nmax_concurrent: 2`)}jobs: { max_concurrent: 3 }\n`;
  });
  // each worker is its own node process running what `herdctl run` runs, PER times, from a common instant
  const worker = `
    const [w, startAt] = process.argv.slice(1).map(Number);
    const { runAgent } = await import(${JSON.stringify(pathToFileURL(join(ctx.build, 'dist', 'actions', 'run.js')).href)});
    while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
    const ids = [];
    for (let i = 0; i < ${PER}; i++) ids.push((await runAgent(i % 2 ? 'b' : 'a', { prompt: 'w' + w + '-' + i }, { json: true, home: undefined, log() {} })).data.id);
    process.stdout.write(ids.join('\\n') + '\\n');
  `;
  let sampler = null;
  try {
    ctx.say(`  storm: ${WORKERS} processes × ${PER} submissions …`);
    const startAt = Date.now() + 3000; // every worker loaded and waiting
    let peakActive = 0;
    const active = join(lab.home, 'active');
    sampler = setInterval(() => {
      try {
        peakActive = Math.max(peakActive, fs.readdirSync(active).filter((n) => n.startsWith('job-')).length);
      } catch {
        /* not made yet */
      }
    }, 5);
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => run(ctx.node, ['--input-type=module', '-e', worker, String(w), String(startAt)], lab.env)));
    const submittedMs = Math.max(...results.map((r) => r.t0 + r.exitMs)) - startAt;
    const failed = results.find((r) => r.code !== 0);
    if (failed) throw new Error(`a submitting process failed (exit ${failed.code}): ${firstLine(failed.stderr)}`);
    const ids = results.flatMap((r) => r.stdout.trim().split('\n'));
    const ended = () => ['a', 'b'].reduce((n, a) => n + [...readStamps(join(lab.dir, `trace-${a}`)).values()].filter((s) => s.E).length, 0);
    await waitFor(`all ${TOTAL} agents to have run`, () => ended() >= TOTAL, 600_000, 100);
    const jobs = await waitFor(
      `all ${TOTAL} jobs to end`,
      () => {
        const all = ids.map((id) => lab.job(id));
        return all.every((j) => TERMINAL.has(j.status)) && all;
      },
      60_000,
      100,
    );
    clearInterval(sampler);
    const wallMs = Math.max(...jobs.map((j) => Date.parse(j.completedAt))) - startAt;
    const spans = {};
    let once = true;
    for (const a of ['a', 'b']) {
      const st = readStamps(join(lab.dir, `trace-${a}`));
      once &&= st.size === TOTAL / 2 && [...st.values()].every((s) => s.runs === 1 && s.E);
      spans[a] = [...st.values()].map((s) => ({ start: s.S, end: s.E }));
    }
    const peak = { all: peakOverlap([...spans.a, ...spans.b]), a: peakOverlap(spans.a), b: peakOverlap(spans.b) };
    const completed = jobs.filter((j) => j.status === 'completed').length;
    const unique = new Set(ids).size === TOTAL && fs.readdirSync(join(lab.home, 'jobs')).filter((n) => n.startsWith('job-')).length === TOTAL;
    const ok = unique && once && completed === TOTAL && peak.all <= 3 && peak.a <= 2 && peak.b <= 2 && peakActive <= 3;
    return [
      {
        label: `storm: ${f0(TOTAL)} jobs from ${WORKERS} processes`,
        figure:
          `submitted in ${(submittedMs / 1000).toFixed(1)} s, all done ${(wallMs / 1000).toFixed(1)} s after the start (${f0((TOTAL / wallMs) * 1000)} jobs/s); ` +
          `peak concurrency ${peak.all} (a ${peak.a}, b ${peak.b}; active/ sampled every 5 ms: ${peakActive}); ${completed}/${TOTAL} completed` +
          `${unique ? '' : '; ids not unique or job dirs ≠ submissions'}${once ? '' : '; some agent did not run exactly once'}`,
        target: 'limits 3 / 2 per agent held; all run once',
        pass: ok,
      },
    ];
  } finally {
    if (sampler) clearInterval(sampler);
    await lab.close();
  }
}

// ---------------------------------------------------------------- the entries scripts/bench.js runs

const needsRun = (ctx) => (ctx.hasCommand('run') ? null : 'no `herdctl run` yet');

/** Each: { key, label, target, skip(ctx) → reason | null, run(ctx) → rows [{ label, figure, target, pass }] }. */
export const RUNNER_FIGURES = [
  { key: 'events', label: 'runner events/s (200k lines)', target: '≥ 50,000/s', skip: needsRun, run: eventsFigures },
  { key: 'start', label: 'run → agent started', target: 'none set', skip: needsRun, run: startFigures },
  { key: 'run', label: '`run` returns at 0 / 100k jobs', target: '≤ 3× floor, flat in N', skip: needsRun, run: runFigures },
  { key: 'next', label: 'slot freed → next job starts', target: '< 50 ms', skip: needsRun, run: nextFigure },
  { key: 'storm', label: 'storm: 1,000 jobs from 20 processes', target: 'limits held', skip: needsRun, run: stormFigure },
];
