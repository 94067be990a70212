// Scenario 2's victim: acts as a job's runner and SIGKILLs itself at one step
// of a job.json replacement. node --import tsx child-replace.ts <home> <id> <running|completed> <step> <before|after>
import { EventWriter } from '../../src/core/eventlog.js';
import { finishJob } from '../../src/core/finish.js';
import { io } from '../../src/core/fsx.js';
import { identify, thisHost, bootId } from '../../src/core/liveness.js';
import { RecapBuilder } from '../../src/core/recap.js';
import { JobStore } from '../../src/core/store.js';
import { hookIo, type IoCall } from './inject.js';

type Step = 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'dirfsync';

/** Which io call of writeFileAtomic(job.json) a step is. */
function isStep(step: Step, c: IoCall, dir: string): boolean {
  const tmp = c.target.startsWith(`${dir}/.tmp-job.json`);
  switch (step) {
    case 'open':
      return c.op === 'openSync' && tmp;
    case 'write':
      return c.op === 'writeSync' && tmp;
    case 'fsync':
      return c.op === 'fsyncSync' && tmp;
    case 'close':
      return c.op === 'closeSync' && tmp;
    case 'rename':
      return c.op === 'renameSync' && tmp;
    case 'dirfsync':
      return c.op === 'fsyncSync' && c.target === dir;
  }
}

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

function main(): void {
  const [home, id, to, step, when] = process.argv.slice(2) as [string, string, 'running' | 'completed', Step, 'before' | 'after'];
  const store = new JobStore(home);
  const dir = store.paths.job(id);
  const arm = () =>
    hookIo(io, (c, original) => {
      if (!isStep(step, c, dir)) return original();
      if (when === 'before') die();
      original();
      return die();
    });
  let job = store.read(id);
  const m = store.queue.pending(job.agent).find((x) => x.id === id);
  if (!m || !store.queue.claim(job.agent, m)) throw new Error('could not claim the job');
  const me = identify(process.pid);
  const running = { runnerPid: me.pid, runnerStartTime: me.startTime, host: thisHost(), bootId: bootId() };
  if (to === 'running') {
    arm();
    store.commit(job, { to: 'running', patch: running });
    return;
  }
  job = store.commit(job, { to: 'running', patch: running });
  const w = EventWriter.open(store.paths.outputFile(id));
  const recap = new RecapBuilder();
  recap.add(w.append({ type: 'start', argv: ['true'], cwd: '/', pid: process.pid }));
  recap.add(w.append({ type: 'output', text: 'working' }));
  w.flush();
  arm();
  finishJob(store, job, w, recap, { status: 'completed', exitReason: 'success', error: null, exitCode: 0 });
}

main();
process.stdout.write('survived\n');
