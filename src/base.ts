import { Command, Flags, Errors, type Interfaces } from '@oclif/core';
import { HerdError, Exit } from './core/errors.js';
import { resolveHome } from './core/paths.js';
import { JobStore } from './core/store.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/**
 * Every command: --home, --json, and one error path — a HerdError prints its
 * message and the next command to try (or, with --json, a JSON object) and
 * exits with its code; nothing ever prints a stack trace.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true;
  static baseFlags = {
    home: Flags.string({ description: 'state directory (default: $HERDCTL_HOME or ~/.herdctl)', helpGroup: 'GLOBAL' }),
  };

  protected store(home: string | undefined): JobStore {
    return new JobStore(resolveHome(home));
  }

  protected async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    const json = this.argv.includes('--json');
    if (err instanceof HerdError) {
      if (json) process.stdout.write(JSON.stringify(err.toJSON()) + '\n');
      else process.stderr.write(`herdctl: ${err.message}\n${err.suggestion ? `  try: ${err.suggestion}\n` : ''}`);
      return this.exit(err.exitCode);
    }
    if (err instanceof Errors.ExitError) throw err;
    // oclif's own parse errors (unknown flag, missing arg): usage errors
    if (err.oclif?.exit === 2 || /Unexpected argument|Nonexistent flag|Missing required|Expected|flag/i.test(err.message)) {
      if (json) process.stdout.write(JSON.stringify({ error: 'usage', message: err.message }) + '\n');
      else process.stderr.write(`herdctl: ${err.message.split('\n')[0]}\n  try: herdctl ${this.id?.replace(/:/g, ' ') ?? ''} --help\n`);
      return this.exit(Exit.USAGE);
    }
    if (isEpipe(err)) return this.exit(0);
    process.stderr.write(`herdctl: internal error: ${err.message}\n  try: HERDCTL_LOG=debug herdctl … and report it\n`);
    return this.exit(Exit.FAILURE);
  }
}

const isEpipe = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'EPIPE';
