// Entry point of a detached webhook worker: node webhooks-main.js <home>
// Started by a command that found due deliveries; sends them and exits.
import { join } from 'node:path';
import { Diag } from './core/diag.js';
import { ensureDir } from './core/fsx.js';
import { deliverDue } from './core/webhooks.js';

const [home] = process.argv.slice(2);
if (!home) {
  process.stderr.write('usage: webhooks-main <home>\n');
  process.exit(2);
}
process.on('SIGHUP', () => {}); // outlive the terminal of the command that started us
ensureDir(join(home, 'logs'));
const diag = new Diag(join(home, 'logs', 'webhooks.log'), process.env.HERDCTL_LOG ?? 'info');
const report = await deliverDue(home, { diag });
diag.log('info', 'webhook worker done', { ...report });
process.exit(0);
