import type { CommandSpec } from './spec.js';

/** `herdctl jobs stats`: parsed by oclif (src/commands/jobs/stats.ts) and by the fast path alike. */
export const JOBS_STATS = {
  args: [],
  flags: {
    agent: { kind: 'string', char: 'a', description: 'only jobs of this agent' },
    since: { kind: 'string', description: 'only jobs created since a duration ago (24h, 7d) or a date (2024-01-15)' },
    'no-headers': { kind: 'boolean', description: 'only the per-agent table rows: no titles, header, sparkline or histogram (for scripts)' },
  },
} as const satisfies CommandSpec;
