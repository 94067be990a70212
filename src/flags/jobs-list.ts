import { JOB_STATUSES } from '../core/job.js';
import type { CommandSpec } from './spec.js';

/** `herdctl jobs list`: parsed by oclif (src/commands/jobs/list.ts) and by the fast path alike. */
export const JOBS_LIST = {
  args: [],
  flags: {
    status: { kind: 'string', char: 's', description: 'only jobs in this status', options: JOB_STATUSES },
    agent: { kind: 'string', char: 'a', description: 'only jobs of this agent' },
    since: { kind: 'string', description: 'only jobs created since a duration ago (24h, 7d) or a date (2024-01-15)' },
    tag: { kind: 'string', char: 't', description: 'only jobs with this tag (repeatable: all of them)', multiple: true },
    limit: { kind: 'integer', char: 'n', description: 'at most this many jobs', default: 20, min: 1 },
    output: { kind: 'string', char: 'o', description: 'wide: also the tags, prompt and error columns', options: ['wide'] },
    'no-headers': { kind: 'boolean', description: 'no header row (for scripts)' },
    watch: { kind: 'boolean', description: 'keep listing: redrawn in place on a terminal, changed rows only in a pipe; Ctrl-C stops' },
  },
} as const satisfies CommandSpec;
