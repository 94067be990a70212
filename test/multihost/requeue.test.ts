// A host dies between claiming jobs and starting their agents: requeue_on_host_loss decides
// whether another host runs them or they fail. The lease time is 6 s here ($HERDCTL_LEASE_MS).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../support/wait.js';
import { bedUp, herdOn, killHost, pidsOn, readJson, scratch, submitOn } from './bed.js';

const T = 6000;
const env = { HERDCTL_LEASE_MS: String(T) };

test(
  "a host killed while its runners make the jobs' worktrees (claimed, no agent started): with requeue_on_host_loss the other host runs the job on its branch; without, it fails (host lost before the job started)",
  { timeout: 300_000 },
  async (t) => {
    bedUp();
    const name = `requeue-${process.pid}`;
    const repo = `/herd/${name}/repo`; // as both hosts see it
    const agent = (extra: string) => `{ runtime: command, command: ["sh", "-c", "echo ran on $(cat /proc/sys/kernel/hostname)"], workspace: ${repo}, isolation: worktree${extra} }`;
    const { dir, home, config } = scratch(t, 'requeue', `agents:\n  keep: ${agent(', requeue_on_host_loss: true')}\n  plain: ${agent('')}\n`);
    // the repository, with a post-checkout hook that hangs on host A only: A's runners stay between claim and start
    const local = join(dir, 'repo');
    mkdirSync(local);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: local, stdio: 'pipe' });
    git('init', '--quiet');
    writeFileSync(join(local, 'README.md'), 'hello\n');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'first');
    writeFileSync(join(local, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\nif [ "$(cat /proc/sys/kernel/hostname)" = hostA ]; then sleep 100; fi\n');
    chmodSync(join(local, '.git', 'hooks', 'post-checkout'), 0o755);

    const [keep] = await submitOn('A', 'keep', 1, home, config, env);
    const [plain] = await submitOn('A', 'plain', 1, home, config, env);
    const job = (id: string) => readJson(join(dir, 'home', 'jobs', id, 'job.json'));
    await waitFor("A's runners in the worktree hook of both jobs", () => pidsOn('A', 'post-checkout').length >= 2, 60_000, 100);
    for (const id of [keep, plain]) {
      assert.equal(job(id)!.status, 'pending', 'claimed, not started');
      assert.equal(readJson(join(dir, 'home', 'active', id))!.host, 'hostA');
    }
    const killedAt = Date.now();
    killHost('A');
    // nothing runs on B: the next command that looks starts B's runners, which watch A's claims
    for (const id of [keep, plain]) assert.equal((await herdOn('B', ['jobs', 'show', id], home, { env })).code, 0);

    await waitFor('the plain job failed', () => job(plain)?.status === 'failed', T + 10_000, 100);
    t.diagnostic(`failed ${Date.now() - killedAt} ms after the kill`);
    assert.match(job(plain)!.error, /^host hostA lost before the job started: .*requeue_on_host_loss: true/);
    await waitFor('the kept job ran on B', () => job(keep)?.status === 'completed', 60_000, 100);
    t.diagnostic(`completed ${Date.now() - killedAt} ms after the kill`);
    const done = job(keep)!;
    assert.equal(done.host, 'hostB');
    assert.equal(done.branch, `herdctl/${keep}`, 'the worktree and branch A made, used as they were');
    const output = readFileSync(join(dir, 'home', 'jobs', keep, 'output.jsonl'), 'utf8');
    assert.match(output, /ran on hostB/);
    assert.equal(output.match(/"type":"start"/g)?.length, 1, 'its agent started once');
  },
);
