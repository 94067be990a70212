import type { CommandSpec } from './spec.js';

/** `herdctl jobs show`: parsed by oclif (src/commands/jobs/show.ts) and by the fast path alike. */
export const JOBS_SHOW = {
  args: [{ name: 'id', description: 'job id or a unique prefix of one', required: true }],
  flags: {},
} as const satisfies CommandSpec;
