// Entry point of the detached webhook delivery worker: node webhooks-main.js <home>
// Started by whoever leaves a delivery pending (see core/webhook-kick.ts); one per
// state dir; sends what is due, waits for retries, exits when nothing is pending.
import { join } from 'node:path';
import { Diag } from './core/diag.js';
import { ensureDir } from './core/fsx.js';
import { runDeliveryWorker } from './core/webhook-worker.js';
import { Paths } from './core/paths.js';

const [home] = process.argv.slice(2);
if (!home) {
  process.stderr.write('usage: webhooks-main <home>\n');
  process.exit(2);
}
process.on('SIGHUP', () => {}); // outlive the terminal of the command that started us
const paths = new Paths(home);
ensureDir(paths.logs);
const diag = new Diag(join(paths.logs, 'webhooks.log'), process.env.HERDCTL_LOG ?? 'info');
const out = await runDeliveryWorker(home, { diag });
if (out.ran) diag.log('info', 'webhook worker done', { ...out.report });
else diag.log('info', 'webhook worker not needed: another one is running');
process.exit(0);
