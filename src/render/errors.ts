import { HerdError } from '../core/errors.js';

/** How every HerdError reaches the user: message + the next command to try, or a JSON object with --json. */
export function printError(err: HerdError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(err.toJSON()) + '\n');
  else process.stderr.write(`herdctl: ${err.message}\n${err.suggestion ? `  try: ${err.suggestion}\n` : ''}`);
}
