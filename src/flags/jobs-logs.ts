import { LEVELS } from '../core/events.js';
import type { CommandSpec } from './spec.js';

/** `herdctl jobs logs`: parsed by oclif (src/commands/jobs/logs.ts) and by the fast path alike. */
export const JOBS_LOGS = {
  args: [{ name: 'id', description: 'job id or a unique prefix of one', required: true }],
  flags: {
    follow: { kind: 'boolean', char: 'f', description: 'keep printing new events until the job ends' },
    level: { kind: 'string', description: 'only events at this level or above', options: LEVELS },
    'since-seq': { kind: 'integer', description: "only events after seq N (as the API's ?since=N and Last-Event-ID)", min: 0 },
    tail: { kind: 'integer', char: 'n', description: 'only the last N events (with --follow: then the new ones)', min: 0 },
  },
} as const satisfies CommandSpec;
