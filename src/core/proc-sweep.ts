// Processes an agent left behind outside its process group. Gemini runs shell
// tools in a process group of their own (a pty), so signalling the agent's group
// misses them and they outlive the CLI (see the gemini transcripts). The runner
// marks every agent it starts with HERDCTL_JOB_ID in its environment, which
// tools inherit; after the agent ends, any process still carrying the mark is
// SIGKILLed. Linux /proc only; elsewhere it finds nothing.
import * as fs from 'node:fs';

export const JOB_MARK = 'HERDCTL_JOB_ID';

export interface SweepDeps {
  procRoot?: string;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  self?: number;
}

/** Pids whose environment holds HERDCTL_JOB_ID=<jobId>. */
export function markedPids(jobId: string, deps: SweepDeps = {}): number[] {
  const root = deps.procRoot ?? '/proc';
  const self = deps.self ?? process.pid;
  const needle = Buffer.from(`\0${JOB_MARK}=${jobId}\0`);
  const first = Buffer.from(`${JOB_MARK}=${jobId}\0`);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === self) continue;
    let env: Buffer;
    try {
      env = fs.readFileSync(`${root}/${name}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    if (env.includes(needle) || env.subarray(0, first.length).equals(first)) found.push(Number(name));
  }
  return found;
}

/** SIGKILLs every process marked with the job; returns their pids. */
export function killMarked(jobId: string, deps: SweepDeps = {}): number[] {
  const kill = deps.kill ?? ((pid, sig) => process.kill(pid, sig));
  const pids = markedPids(jobId, deps);
  for (const pid of pids) {
    try {
      kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
