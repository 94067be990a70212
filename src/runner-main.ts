// Entry point of a detached runner: node runner-main.js <home> <agent>
import { Chalk } from 'chalk';
import { Runner } from './core/runner.js';
import { renderEvent } from './render/events.js';

const [home, agent] = process.argv.slice(2);
if (!home || !agent) {
  process.stderr.write('usage: runner-main <home> <agent>\n');
  process.exit(2);
}
process.on('SIGHUP', () => {}); // outlive the terminal that started us
const plain = new Chalk({ level: 0 });
const result = await new Runner({ home, agent, logLine: (e) => renderEvent(e, plain) }).run();
process.exit(result === 'fenced' ? 3 : 0); // fenced: its agents are killed and it wrote nothing more (runner.ts)
