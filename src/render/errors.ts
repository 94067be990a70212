import { ENV_ERROR_HINT, HerdError, isEnvironmentError } from '../core/errors.js';

/** How every HerdError reaches the user: message + the next command to try, or a JSON object with --json. */
export function printError(err: HerdError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify(err.toJSON()) + '\n');
  else process.stderr.write(`herdctl: ${err.message}\n${err.suggestion ? `  try: ${err.suggestion}\n` : ''}`);
}

/** Anything else: one line, no stack trace (HERDCTL_LOG=debug prints the stack). */
export function printInternalError(err: Error): void {
  if (isEnvironmentError(err)) {
    // the environment, not a bug: say what failed and what to do
    process.stderr.write(`herdctl: ${err.message}\n  try: ${ENV_ERROR_HINT(err)}\n`);
    return;
  }
  process.stderr.write(`herdctl: internal error: ${err.message}\n  try: HERDCTL_LOG=debug herdctl … to see where, and report it\n`);
  if (process.env.HERDCTL_LOG === 'debug') process.stderr.write(`${err.stack}\n`);
}
