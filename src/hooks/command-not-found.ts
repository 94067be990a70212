import type { Hook } from '@oclif/core';
import { nearest } from '../core/near.js';

/** `herdctl jbos list`: "did you mean herdctl jobs list?" in our format, exit 2. */
const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':').join(' ');
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id.split(':').join(' '));
  const topics = [...new Set(ids.filter((id) => id.includes(' ')).map((id) => id.split(' ')[0]))];
  const near = nearest(words, ids) ?? (opts.id.includes(':') ? null : nearest(words, topics));
  const topic = opts.id.includes(':') ? opts.id.split(':')[0] : null;
  const next = near ? `herdctl ${near}${topics.includes(near) ? ' --help' : ''}` : `herdctl ${topic && topics.includes(topic) ? `${topic} ` : ''}--help  (or: herdctl help)`;
  process.stderr.write(`herdctl: unknown command "${words}"${near ? `; did you mean "${near}"?` : ''}\n  try: ${next}\n`);
  process.exit(2);
};

export default hook;
