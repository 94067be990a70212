import type { Hook } from '@oclif/core';

/** `herdctl jobs frobnicate`: say so in our format, with the next thing to try, exit 2. */
const hook: Hook<'command_not_found'> = async function (opts) {
  const words = opts.id.split(':').join(' ');
  const topic = opts.id.includes(':') ? opts.id.split(':')[0] : null;
  process.stderr.write(`herdctl: unknown command "${words}"\n  try: herdctl ${topic ? `${topic} ` : ''}--help\n`);
  process.exit(2);
};

export default hook;
