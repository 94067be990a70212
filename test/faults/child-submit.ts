// Scenario 7's submitter: node --import tsx child-submit.ts <home> <config> <count> <agent,agent,…> <n>
// Submits <count> jobs round-robin over the agents, starting at the n-th; prints "ok <agent> <id>", "denied <agent>" or "error <message>" per submission.
// The built code, as `herdctl run` runs it (so the runners it starts are the built ones too).
import { loadConfig } from '../../dist/core/config.js';
import { JobStore } from '../../dist/core/store.js';
import { submit } from '../../dist/core/submit.js';

const [home, configPath, count, agents, n] = process.argv.slice(2);
const names = agents.split(',');
const offset = Number(n) % names.length; // processes start on different agents
const store = new JobStore(home);
const config = loadConfig(configPath);
const out: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const agent = names[(i + offset) % names.length];
  try {
    out.push(`ok ${agent} ${submit(store, config, { agent, prompt: `job ${i}` }).id}`);
  } catch (e) {
    out.push((e as { code?: string }).code === 'quota_denied' ? `denied ${agent}` : `error ${(e as Error).message}`);
  }
}
process.stdout.write(out.join('\n') + '\n');
