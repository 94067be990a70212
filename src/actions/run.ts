import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { parseEnvItems } from '../core/job-env.js';
import { Exit, HerdError } from '../core/errors.js';
import { isTerminal } from '../core/job.js';
import type { Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { submit } from '../core/submit.js';
import { loadConfigFor } from './config.js';
import { exitCodeFor, jobsLogs } from './jobs-logs.js';
import type { ActionResult, Ctx } from './types.js';

export interface RunFlags {
  config?: string;
  prompt?: string;
  'prompt-file'?: string;
  model?: string;
  schedule?: string;
  wait?: boolean;
  follow?: boolean;
  priority?: number;
  tag?: string[];
  webhook?: string;
  'quota-bucket'?: string;
  worktree?: boolean;
  base?: string;
  retries?: number;
  'max-budget-usd'?: string;
  after?: string[];
  'after-any'?: boolean;
  workspace?: string;
  timeout?: string;
  env?: string[];
}

/** The task: --prompt TEXT, --prompt - (stdin, read to its end), or --prompt-file F; any size (runtimes take long prompts on stdin or in a file). */
async function promptOf(flags: RunFlags): Promise<string | undefined> {
  const from = flags['prompt-file'] ?? (flags.prompt === '-' ? '-' : undefined);
  if (from === undefined) return flags.prompt;
  let text: string;
  try {
    text = from === '-' ? await readStdin() : readFileSync(from, 'utf8');
  } catch (e) {
    const what = from === '-' ? 'the prompt from stdin' : `--prompt-file ${from}`;
    throw new HerdError('usage', `cannot read ${what}: ${(e as Error).message}`, 'herdctl run <agent> --prompt-file task.md  (or: cat task.md | herdctl run <agent> --prompt -)');
  }
  if (text.trim() === '') throw new HerdError('usage', `the prompt ${from === '-' ? 'on stdin' : `in ${from}`} is empty`, 'herdctl run <agent> --prompt "what to do"');
  return text;
}

/** All of stdin, to its end (a pipe, a file, a heredoc; readFileSync(0) fails with EAGAIN on a non-blocking pipe). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A --timeout: a duration above 0. */
function timeoutFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (!ms) throw new HerdError('usage', `--timeout ${JSON.stringify(value)} is not a duration above 0`, 'herdctl run <agent> --timeout 30m');
  return ms;
}

/** A dollar amount from the command line: a positive number. */
function usdFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/^\$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw new HerdError('usage', `--max-budget-usd ${JSON.stringify(value)} is not an amount above 0`, 'herdctl run <agent> --max-budget-usd 2.50');
  return n;
}

export async function runAgent(agent: string, flags: RunFlags, ctx: Ctx): Promise<ActionResult<Job | undefined, { waited: boolean }>> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const store = new JobStore(resolveHome(ctx.home));
  const job = submit(store, config, {
    agent,
    prompt: await promptOf(flags),
    model: flags.model,
    schedule: flags.schedule,
    priority: flags.priority,
    tags: flags.tag,
    webhookUrl: flags.webhook,
    quotaBucket: flags['quota-bucket'],
    worktree: flags.worktree,
    base: flags.base,
    retries: flags.retries,
    maxBudgetUsd: usdFlag(flags['max-budget-usd']),
    after: flags.after,
    afterAny: flags['after-any'],
    workspace: flags.workspace === undefined ? undefined : resolve(flags.workspace),
    timeoutMs: timeoutFlag(flags.timeout),
    env: parseEnvItems(flags.env ?? []),
    cwd: process.cwd(), // where a built-in agent (claude, codex, gemini with no config) works by default
  });
  if (!flags.wait && !flags.follow) return { data: job, view: { waited: false } };
  ctx.runNotes?.started(job);
  const detached = () => {
    const now = store.read(job.id);
    ctx.runNotes?.detached(now);
    return { exit: Exit.DETACHED };
  };
  if (flags.follow) {
    const followed = await jobsLogs(job.id, { follow: true }, ctx);
    return ctx.interrupt?.aborted ? detached() : { exit: followed.exit };
  }
  const { waitForEnd } = await import('../core/wait.js');
  const done = await waitForEnd(store, job.id, ctx.interrupt);
  if (ctx.interrupt?.aborted && !isTerminal(done.status)) return detached();
  return { data: done, exit: exitCodeFor(done), view: { waited: true } };
}
