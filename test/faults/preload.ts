// Preloaded into the CLI (NODE_OPTIONS="--import tsx --import …/preload.ts"), and through the
// inherited environment into the runners it starts: applies HERDCTL_FAULT_PLAN to the built
// io object in dist/, and holds the process until HERDCTL_START_AT (epoch ms) so racing
// commands really start together.
import { applyPlan } from './inject.js';

// dist's io object, the one the CLI uses (typed by its source, so type-checking needs no build).
const { io } = (await import(new URL('../../dist/core/fsx.js', import.meta.url).href)) as typeof import('../../src/core/fsx.js');

if (process.env.HERDCTL_FAULT_PLAN) applyPlan(io, JSON.parse(process.env.HERDCTL_FAULT_PLAN));
const startAt = Number(process.env.HERDCTL_START_AT);
if (startAt) {
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now() - 2)));
  while (Date.now() < startAt);
}
