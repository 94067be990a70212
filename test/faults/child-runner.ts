// A real Runner for one agent, tunable for fault scenarios:
// node --import tsx child-runner.ts <home> <agent> [tickMs] [lingerMs]
// HERDCTL_FAULT_PLAN (see inject.ts) makes its file operations fail; HERDCTL_START_AT
// (epoch ms) holds the start until then, so racing runners really start together.
import { io } from '../../src/core/fsx.js';
import { Runner } from '../../src/core/runner.js';
import { applyPlan } from './inject.js';

const [home, agent, tickMs, lingerMs] = process.argv.slice(2);
const startAt = Number(process.env.HERDCTL_START_AT);
if (startAt) {
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now() - 2)));
  while (Date.now() < startAt);
}
if (process.env.HERDCTL_FAULT_PLAN) applyPlan(io, JSON.parse(process.env.HERDCTL_FAULT_PLAN));
process.stdout.write(`${await new Runner({ home, agent, tickMs: Number(tickMs) || undefined, lingerMs: Number(lingerMs) || undefined }).run()}\n`);
process.exit(0);
