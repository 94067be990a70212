#!/usr/bin/env node
// The floor of the cold-index figure (scripts/bench-cold.js): what a plain script needs
// to read and parse every job.json of a state dir once. Prints how many it parsed.
import * as fs from 'node:fs';
import { join } from 'node:path';

const jobs = join(process.argv[2] ?? '.', 'jobs');
let parsed = 0;
for (const id of fs.readdirSync(jobs)) {
  try {
    JSON.parse(fs.readFileSync(join(jobs, id, 'job.json'), 'utf8'));
    parsed++;
  } catch {
    /* not a job */
  }
}
process.stdout.write(`${parsed}\n`);
