// The runtime-facing half of starting a job: what the runtime is told (the job's
// model, env, session per the runtime's session policy, the job dir for its
// files), what the runner adds (the HERDCTL_JOB_ID mark its tools inherit), and
// the usage recorded at the end (this job's share, a cost estimate when the CLI
// reports none). The runner owns processes and files' lifecycles; this owns the
// data that flows between it and a runtime.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Usage } from './events.js';
import type { Job } from './job.js';
import { withEstimate, type Price } from './pricing.js';
import { JOB_MARK } from './proc-sweep.js';
import type { LaunchSpec, OutputParser, ParserContext, Runtime, TokenTotals } from './runtimes/types.js';
import type { Settings } from './settings.js';
import type { JobStore } from './store.js';

export interface Prepared {
  spec: LaunchSpec;
  sessionId: string | null;
  resume: string | null;
  parserContext: ParserContext;
}

/** Builds the launch for `job` (throws HerdError('config') on settings the runtime refuses) and writes the runtime's files. */
export function prepareLaunch(store: JobStore, job: Job, settings: Settings, runtime: Runtime, env: Record<string, string>): Prepared {
  // a retry resumes the session its failed attempt made progress in (workflow.ts decides whether it has one)
  const resume = (job.trigger === 'resume' || job.trigger === 'retry') && job.sessionId ? job.sessionId : null;
  const sessionId = resume ?? (runtime.sessions === 'minted' ? randomUUID() : null);
  const model = job.model ?? (typeof settings.raw.model === 'string' ? settings.raw.model : null);
  const agent: Record<string, unknown> = { ...settings.raw, env };
  if (model) agent.model = model;
  const jobDir = store.paths.job(job.id);
  const spec = runtime.launch({ prompt: job.prompt, workspace: job.workspace, sessionId: sessionId ?? '', resumeSessionId: resume, agent, jobDir });
  for (const [name, content] of Object.entries(spec.files ?? {})) {
    if (!/^[\w][\w.-]*$/.test(name)) throw new Error(`runtime ${runtime.name} asked for a file named ${JSON.stringify(name)}`);
    fs.writeFileSync(join(jobDir, name), content, { mode: 0o600 });
  }
  spec.env = { ...spec.env, [JOB_MARK]: job.id }; // tools inherit it: how the ones outside the agent's process group are found
  return { spec, sessionId, resume, parserContext: { agent, priorTotals: resume ? priorTotals(store, job) : null } };
}

/** The session totals at the end of the nearest ancestor in the same session that recorded them. */
function priorTotals(store: JobStore, job: Job): TokenTotals | null {
  let id = job.parentJobId;
  for (let hops = 0; id && hops < 1000; hops++) {
    const r = store.tryRead(id);
    if (!r || !('job' in r) || r.job.sessionId !== job.sessionId) return null;
    if (r.job.usage?.sessionTotals) return r.job.usage.sessionTotals;
    id = r.job.parentJobId;
  }
  return null;
}

/** The usage to record: the parser's, with the session totals kept for a later resume and a cost estimated when the CLI gave none. */
export function finalUsage(parser: OutputParser, runtime: Runtime, model: string | null, pricing: Readonly<Record<string, Price>>): Usage | null {
  let usage = parser.usage();
  if (!usage) return null;
  const totals = parser.sessionTotals?.();
  if (totals) usage = { ...usage, sessionTotals: totals };
  let parts = parser.modelTokens?.() ?? [];
  const named = model ?? runtime.defaultModel;
  if (parts.length === 0 && named) parts = [{ model: named, ...usage }];
  return withEstimate(usage, parts, pricing);
}
