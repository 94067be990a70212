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
  model?: string;
  schedule?: string;
  wait?: boolean;
  follow?: boolean;
  priority?: number;
  tag?: string[];
  webhook?: string;
  'quota-bucket'?: string;
}

export async function runAgent(agent: string, flags: RunFlags, ctx: Ctx): Promise<ActionResult<Job | undefined>> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const store = new JobStore(resolveHome(ctx.home));
  const job = submit(store, config, {
    agent,
    prompt: flags.prompt,
    model: flags.model,
    schedule: flags.schedule,
    priority: flags.priority,
    tags: flags.tag,
    webhookUrl: flags.webhook,
    quotaBucket: flags['quota-bucket'],
  });
  if (flags.follow) return jobsLogs(job.id, { follow: true }, ctx);
  if (!flags.wait) {
    if (!ctx.json) ctx.log(job.id);
    return { data: job };
  }
  const { waitForEnd } = await import('../core/wait.js');
  const done = await waitForEnd(store, job.id);
  if (!ctx.json) ctx.log(`${done.id} ${done.status}${done.exitReason ? ` (${done.exitReason})` : ''}${done.error ? `: ${done.error}` : ''}`);
  return { data: done, exit: exitCodeFor(done) };
}
