import { PRIORITY_MAX, PRIORITY_MIN } from '../core/queue.js';
import { CONFIG_FLAG, type CommandSpec } from './spec.js';

/** `herdctl run`: parsed by oclif (src/commands/run.ts) and by the fast path alike. */
export const RUN = {
  args: [{ name: 'agent', description: 'an agent of herdctl.yaml, or a built-in one: claude, codex, gemini (no config needed)', required: true }],
  flags: {
    config: CONFIG_FLAG,
    prompt: { kind: 'string', char: 'p', description: "the task (default: the agent's prompt); - reads it from stdin", exclusive: ['prompt-file'] },
    'prompt-file': { kind: 'string', description: 'read the task from this file (any size)' },
    model: { kind: 'string', char: 'm', description: "the model for this job (default: the agent's model; recorded in job.json)" },
    schedule: { kind: 'string', description: 'record the job as fired by this schedule' },
    wait: { kind: 'boolean', char: 'w', description: 'wait for the job to end; exit with its outcome', exclusive: ['follow'] },
    follow: { kind: 'boolean', char: 'f', description: "stream the job's events until it ends; exit with its outcome" },
    priority: { kind: 'integer', description: 'higher runs first among pending jobs', default: 0, min: PRIORITY_MIN, max: PRIORITY_MAX },
    tag: { kind: 'string', char: 't', description: 'a tag (repeatable)', multiple: true },
    webhook: { kind: 'string', description: 'POST the terminal status to this URL' },
    'quota-bucket': { kind: 'string', description: 'count the job against this quota bucket' },
    worktree: { kind: 'boolean', description: 'run in a git worktree of its own, on the branch herdctl/<job-id> (isolation: worktree)' },
    base: { kind: 'string', description: 'with --worktree: the ref its branch starts from, resolved when the job starts (default: HEAD)' },
    retries: { kind: 'integer', description: 'run again after a transient failure (5xx, overloaded, rate limit, dropped connection) up to N times', min: 0, max: 100 },
    'max-budget-usd': { kind: 'string', description: 'stop the job once it has spent this many US dollars' },
    after: { kind: 'string', description: 'start only after this job has ended (repeatable); cancelled if it did not complete', multiple: true },
    'after-any': { kind: 'boolean', description: 'with --after: start whatever the jobs ended as', dependsOn: ['after'] },
    workspace: { kind: 'string', description: "the directory the agent works in, for this job (default: the agent's; a built-in agent's: the current directory)" },
    timeout: { kind: 'string', description: "stop the job after this long, e.g. 30m (default: the agent's timeout)" },
    env: { kind: 'string', description: "KEY=VALUE in the agent's environment, for this job (repeatable; never written to job files or logs)", multiple: true },
  },
} as const satisfies CommandSpec;
