// The platform seam: /proc and portable (kill(0) + ps + sysctl) answers,
// `unknown` whenever the system cannot tell, and the host id.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { liveness, type ProcIdentity } from '../src/core/liveness.js';
import { hostId } from '../src/core/host-id.js';
import { killGroup, setPlatform, unsupportedReason, type Platform, type Probe } from '../src/core/platform/index.js';
import { linuxPlatform } from '../src/core/platform/linux.js';
import { parseBoottime, parsePs, portablePlatform } from '../src/core/platform/portable.js';
import { commandAgent, nodeAgent } from './support/agents.js';
import { runCli } from './support/cli.js';
import { fleet, waitEvent, waitStatus } from './support/fleet.js';
import type { Json } from './support/jobs.js';
import { alive, waitGroupGone } from './support/procs.js';
import { tempDir } from './support/tmp.js';
import { waitFor } from './support/wait.js';

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

describe('platform: parsing ps and sysctl', () => {
  const cases: Array<[string, Probe]> = [
    ['S    Sat Dec  5 00:11:15 2026\n', { state: 'running', start: Date.UTC(2026, 11, 5, 0, 11, 15) / 1000 }],
    ['Ss   Fri Dec  4 23:37:50 2026', { state: 'running', start: Date.UTC(2026, 11, 4, 23, 37, 50) / 1000 }],
    ['R+ Mon Jan 12 09:05:01 2026', { state: 'running', start: Date.UTC(2026, 0, 12, 9, 5, 1) / 1000 }],
    ['Z    Sat Dec  5 00:11:15 2026', { state: 'gone' }],
    ['Z+', { state: 'gone' }],
    ['', { state: 'gone' }],
    ['   \n', { state: 'gone' }],
    ['S    not a date', { state: 'running', start: null }],
    ['S', { state: 'running', start: null }],
  ];
  for (const [out, want] of cases) it(`ps ${JSON.stringify(out)}`, () => assert.deepEqual(parsePs(out), want));

  it('kern.boottime', () => {
    assert.equal(parseBoottime('{ sec = 1733350000, usec = 123456 } Thu Dec  5 00:00:00 2024\n'), '1733350000.123456');
    assert.equal(parseBoottime('sysctl: unknown oid'), null);
    assert.equal(parseBoottime(''), null);
  });
});

describe('platform: portable probe with injected kill(0) and ps', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  const psFails =
    (status: number, stdout = '') =>
    () => {
      throw Object.assign(new Error('ps'), { status, stdout });
    };
  const table: Array<{ name: string; signal0: (pid: number) => void; exec: (f: string, a: string[]) => string; want: Probe }> = [
    {
      name: 'no such pid',
      signal0: () => {
        throw err('ESRCH');
      },
      exec: () => 'S Sat Dec  5 00:11:15 2026',
      want: { state: 'gone' },
    },
    {
      name: "another user's process",
      signal0: () => {
        throw err('EPERM');
      },
      exec: () => 'S Sat Dec  5 00:11:15 2026',
      want: { state: 'running', start: Date.UTC(2026, 11, 5, 0, 11, 15) / 1000 },
    },
    {
      name: 'kill(0) fails oddly',
      signal0: () => {
        throw err('EINVAL');
      },
      exec: () => '',
      want: { state: 'unknown' },
    },
    { name: 'a zombie', signal0: () => {}, exec: () => 'Z Sat Dec  5 00:11:15 2026', want: { state: 'gone' } },
    { name: 'ps missing or broken (no /proc on Linux)', signal0: () => {}, exec: psFails(47), want: { state: 'running', start: null } },
    {
      name: 'exited between kill(0) and ps',
      signal0: (() => {
        let n = 0;
        return () => {
          if (n++ > 0) throw err('ESRCH');
        };
      })(),
      exec: psFails(1),
      want: { state: 'gone' },
    },
  ];
  for (const c of table) it(c.name, () => assert.deepEqual(portablePlatform({ signal0: c.signal0, exec: c.exec }).probe(4242), c.want));

  it('start times within a second are the same start (lstart has whole seconds)', () => {
    const p = portablePlatform();
    assert.ok(p.sameStart(100, 101) && p.sameStart(100, 100) && !p.sameStart(100, 102));
  });
  it('no boot id when sysctl will not say', () => assert.equal(portablePlatform({ exec: psFails(1) }).bootId(), null));
});

describe('platform: the real system, both ways', () => {
  const impls: Array<[string, Platform]> = [['portable', portablePlatform()]];
  if (hasProc) impls.push(['linux', linuxPlatform()]);
  for (const [name, p] of impls) {
    it(`${name}: a live process runs with a start time, an exited one is gone`, async (t) => {
      const me = p.probe(process.pid);
      assert.equal(me.state, 'running');
      assert.equal(typeof (me as { start: number }).start, 'number');
      const c = spawn('sleep', ['60'], { stdio: 'ignore' });
      t.after(() => c.kill('SIGKILL'));
      await waitFor('sleep to be running', () => p.probe(c.pid!).state === 'running', 20_000);
      c.kill('SIGKILL');
      await waitFor('killed sleep to be gone', () => p.probe(c.pid!).state === 'gone', 20_000);
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      assert.equal(p.probe(dead).state, 'gone');
    });
  }
  it('portable start time is this process start, in epoch seconds', () => {
    const st = (portablePlatform().probe(process.pid) as { start: number }).start;
    const started = (Date.now() - process.uptime() * 1000) / 1000;
    assert.ok(Math.abs(st - started) < 120, `${st} vs ${started}`);
  });
  it('a platform without /proc: the linux reader on an empty dir says gone, never alive', (t) => {
    const p = linuxPlatform(tempDir(t));
    assert.equal(p.probe(process.pid).state, 'gone');
    assert.equal(p.bootId(), null);
  });
});

describe('platform: liveness through the seam', () => {
  const fake = (probe: Probe, boot: string | null = 'boot-1'): Platform => ({
    name: 'portable',
    startUnit: 'seconds since the epoch',
    probe: () => probe,
    sameStart: (a, b) => a === b,
    bootId: () => boot,
    mounts: () => null,
  });
  const me = (over: Partial<ProcIdentity> = {}): ProcIdentity => ({ pid: 4242, startTime: 100, host: hostname(), hostId: hostId(), bootId: 'boot-1', ...over });
  const table: Array<[string, Probe, Partial<ProcIdentity>, string | null, 'alive' | 'dead' | 'unknown']> = [
    ['running, same start', { state: 'running', start: 100 }, {}, 'boot-1', 'alive'],
    ['running, other start: pid recycled', { state: 'running', start: 200 }, {}, 'boot-1', 'dead'],
    ['gone', { state: 'gone' }, {}, 'boot-1', 'dead'],
    ['the system cannot say', { state: 'unknown' }, {}, 'boot-1', 'unknown'],
    ['running, start unreadable', { state: 'running', start: null }, {}, 'boot-1', 'unknown'],
    ['running, recorded without a start', { state: 'running', start: null }, { startTime: null }, 'boot-1', 'alive'],
    ['other boot', { state: 'running', start: 100 }, { bootId: 'boot-0' }, 'boot-1', 'dead'],
    ['this boot unknown: start decides', { state: 'running', start: 100 }, { bootId: 'boot-0' }, null, 'alive'],
    ['another host id (same name)', { state: 'gone' }, { hostId: 'another-host-id-1234' }, 'boot-1', 'unknown'],
    ['an old record: no host id, this host name', { state: 'gone' }, { hostId: undefined }, 'boot-1', 'dead'],
    ['an old record: no host id, other host name', { state: 'gone' }, { hostId: undefined, host: 'elsewhere.example' }, 'boot-1', 'unknown'],
  ];
  for (const [name, probe, over, boot, want] of table) {
    it(name, (t) => {
      t.after(setPlatform(fake(probe, boot)));
      assert.equal(liveness(me(over)), want);
    });
  }
});

describe('platform: process groups and refusals', () => {
  it('killGroup never signals -1/-0 (every process), says gone for a dead group', () => {
    assert.equal(killGroup(0, 'SIGKILL'), 'gone');
    assert.equal(killGroup(1, 'SIGKILL'), 'gone');
    assert.equal(killGroup(-5, 'SIGKILL'), 'gone');
    assert.equal(killGroup(spawnSync(process.execPath, ['-e', '0']).pid!, 'SIGTERM'), 'gone');
  });
  it('killGroup ends a live group', async (t) => {
    const c = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    t.after(() => killGroup(c.pid!, 'SIGKILL'));
    const exited = new Promise((r) => c.on('exit', r));
    assert.equal(killGroup(c.pid!, 'SIGKILL'), 'sent');
    await exited;
  });
  it('Windows is refused with WSL named; POSIX systems are not', () => {
    assert.match(unsupportedReason('win32')!, /WSL/);
    for (const p of ['linux', 'darwin', 'freebsd'] as const) assert.equal(unsupportedReason(p), null);
  });
});

describe('acceptance: /proc switched off (HERDCTL_PLATFORM=portable), through the real CLI', () => {
  const P = { HERDCTL_PLATFORM: 'portable' };
  it('a long job stays running while its runner lives; a kill -9 of the runner fails it on the next look; the live runner lock is never taken', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('long', ws, nodeAgent('setInterval(() => console.log("tick"), 200)'))}`);
    const run = await f.cli(['run', 'long'], { env: P });
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const job = await waitStatus(f, id, ['running']);
    await waitEvent(f, id, (e) => e.type === 'start', 'the agent start');
    for (let i = 0; i < 3; i++) {
      const show = await f.cli(['jobs', 'show', id, '--json'], { env: P });
      assert.equal(JSON.parse(show.stdout).status, 'running', 'a live runner is never judged dead');
    }
    // a list (it judges every running job's runner) keeps it running too
    const second = await f.cli(['jobs', 'list', '--json'], { env: P });
    assert.equal((JSON.parse(second.stdout) as Json[]).find((j) => j.id === id)?.status, 'running');
    assert.equal(f.job(id).runnerPid, job.runnerPid, 'the runner that holds the job is still the one');

    process.kill(job.runnerPid, 'SIGKILL');
    await waitFor('the runner to be gone', () => !alive(job.runnerPid), 20_000);
    const looked = await waitFor(
      'the next look to fail the job',
      async () => {
        const r = await f.cli(['jobs', 'show', id, '--json'], { env: P });
        const j = JSON.parse(r.stdout) as Json;
        return j.status === 'failed' ? j : null;
      },
      30_000,
    );
    assert.match(looked.error, /lost/);
    await waitGroupGone(job.pid, 'the orphaned agent');
  });
});

describe('supported systems', () => {
  it('package.json names the POSIX systems; Windows is refused by bin/run.js with WSL named, exit 9, JSON under --json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { os: string[] };
    assert.ok(pkg.os.includes('linux') && pkg.os.includes('darwin') && !pkg.os.includes('win32'));
    const human = await runCli(['jobs', 'list'], { env: { HERDCTL_FAKE_OS: 'win32' } });
    assert.equal(human.code, 9);
    assert.match(human.stderr, /POSIX system.*WSL/);
    assert.match(human.stderr, /try: wsl --install/);
    const json = await runCli(['jobs', 'list', '--json'], { env: { HERDCTL_FAKE_OS: 'win32' } });
    assert.equal(json.code, 9);
    assert.equal(JSON.parse(json.stdout).error, 'environment');
  });
});
