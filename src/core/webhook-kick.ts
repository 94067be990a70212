import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STALE_MS } from './lock.js';
import { isDue, Outbox, pendingRecords } from './webhook-outbox.js';

/**
 * "Any command finding due deliveries delivers them" without making the
 * command wait on HTTP: when a delivery is due and unclaimed, a detached
 * worker (webhooks-main) is started to send it and this command goes on.
 * Nothing pending costs one readdir of webhooks/pending/.
 */
export function kickDeliveries(home: string, now: number = Date.now(), env: NodeJS.ProcessEnv = process.env): boolean {
  const outbox = new Outbox(home);
  const unclaimed = (id: string) => {
    const claimed = outbox.lockMtime(id);
    return claimed === null || now - claimed > STALE_MS;
  };
  let found = false;
  for (const r of pendingRecords(outbox)) if ((found = isDue(r, now) && unclaimed(r.jobId))) break;
  if (!found) return false;
  const ts = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../webhooks-main.${ts ? 'ts' : 'js'}`, import.meta.url));
  spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), main, home], { detached: true, stdio: 'ignore', env, cwd: home }).unref();
  return true;
}
