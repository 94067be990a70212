import type { HerdError } from '../core/errors.js';

/** How every HerdError reaches the user: message + the next command to try, or a JSON object with --json. */
export function printError(err: HerdError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(err.toJSON()) + '\n');
  else process.stderr.write(`herdctl: ${err.message}\n${err.suggestion ? `  try: ${err.suggestion}\n` : ''}`);
}

/** Anything else: one line, no stack trace (HERDCTL_LOG=debug prints the stack); a JSON object with --json. */
export function printInternalError(err: Error, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ error: 'internal', message: err.message, suggestion: 'HERDCTL_LOG=debug herdctl … to see where, and report it' }) + '\n');
  else process.stderr.write(`herdctl: internal error: ${err.message}\n  try: HERDCTL_LOG=debug herdctl … to see where, and report it\n`);
  if (process.env.HERDCTL_LOG === 'debug') process.stderr.write(`${err.stack}\n`);
}
