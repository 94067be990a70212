// Preloaded into the CLI (and, through the inherited environment, the runners
// it starts): applies HERDCTL_FAULT_PLAN to the built io object in dist/.
import { io } from '../../dist/core/fsx.js';
import { applyPlan } from './inject.js';

if (process.env.HERDCTL_FAULT_PLAN) applyPlan(io, JSON.parse(process.env.HERDCTL_FAULT_PLAN));
