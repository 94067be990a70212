// Scenario 7's submitter: node --import tsx child-submit.ts <home> <config> <count> <agent,agent,…> <n>
// Submits <count> jobs round-robin over the agents, starting at the n-th; prints "ok <agent> <id>", "denied <agent>" or "error <message>" per submission.
// The built code, as `herdctl run` runs it (so the runners it starts are the built ones too); typed
// by its source, so type-checking the tests needs no build.
const dist = (m: string) => new URL(`../../dist/core/${m}.js`, import.meta.url).href;
const { loadConfig } = (await import(dist('config'))) as typeof import('../../src/core/config.js');
const { JobStore } = (await import(dist('store'))) as typeof import('../../src/core/store.js');
const { submit } = (await import(dist('submit'))) as typeof import('../../src/core/submit.js');

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
