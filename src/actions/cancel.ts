import { assertKnownAgent } from './config.js';
import { cancelJob, type CancelResult } from '../core/control.js';
import { HerdError } from '../core/errors.js';
import { checkName, resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';

export interface CancelFlags {
  agent?: string;
  reason?: string;
  'no-wait'?: boolean;
}

/** Cancels one job, or every pending and running job of an agent; waits up to 2 minutes for each agent to stop unless --no-wait. */
export async function jobsCancel(idInput: string | undefined, flags: CancelFlags, ctx: Ctx): Promise<ActionResult<CancelResult[], { agent?: string }>> {
  const store = new JobStore(resolveHome(ctx.home));
  let ids: string[];
  if (idInput) ids = [store.resolve(idInput)];
  else if (flags.agent) {
    checkName(flags.agent, 'agent');
    // pending first: stopping a running job frees its slot, and the runner would start the next pending one
    ids = [...store.list({ agent: flags.agent, status: 'pending', limit: 10_000 }), ...store.list({ agent: flags.agent, status: 'running', limit: 10_000 })].flatMap((r) =>
      'job' in r ? [r.job.id] : [],
    );
    if (ids.length === 0) assertKnownAgent(store, flags.agent, { home: ctx.home });
  } else throw new HerdError('usage', 'name a job id or --agent', 'herdctl jobs cancel <id>  (or: herdctl jobs cancel --agent <name>)');
  const waitMs = flags['no-wait'] ? 0 : 120_000;
  const steps = ctx.stopSteps;
  const results = await Promise.all(ids.map((id) => cancelJob(store, id, flags.reason ?? null, waitMs, steps && ((e) => steps(id, e)))));
  return { data: results, view: { agent: flags.agent } };
}
