// Entry point of a detached runner: node runner-main.js <home> <agent>
import { Runner } from './core/runner.js';

const [home, agent] = process.argv.slice(2);
if (!home || !agent) {
  process.stderr.write('usage: runner-main <home> <agent>\n');
  process.exit(2);
}
process.on('SIGHUP', () => {}); // outlive the terminal that started us
await new Runner({ home, agent }).run();
process.exit(0);
