import { Command, Flags, Errors } from '@oclif/core';
import { HerdError, Exit } from './core/errors.js';
import { resolveHome } from './core/paths.js';
import { JobStore } from './core/store.js';
import { printError, printInternalError } from './render/errors.js';
import type { ActionResult, Ctx } from './actions/types.js';

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

  protected ctx(home: string | undefined): Ctx {
    return { json: this.jsonEnabled(), home, log: (text) => this.log(text) };
  }

  /** Ends an action: its data is what --json prints; a non-zero outcome becomes the exit code. */
  protected finish<T>(r: ActionResult<T>): T | undefined {
    if (r.exit) {
      if (this.jsonEnabled() && r.data !== undefined) this.logJson(r.data);
      this.exit(r.exit);
    }
    return r.data;
  }

  protected async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    const json = this.argv.includes('--json');
    if (err instanceof HerdError) {
      printError(err, json);
      return this.exit(err.exitCode);
    }
    if (err instanceof Errors.ExitError) throw err;
    // oclif's own parse errors (unknown flag, missing arg): usage errors
    if (err.oclif?.exit === 2 || /Unexpected argument|Nonexistent flag|Missing required|Expected|flag/i.test(err.message)) {
      if (json) process.stdout.write(JSON.stringify({ error: 'usage', message: err.message }) + '\n');
      else process.stderr.write(`herdctl: ${oneLine(err.message)}\n  try: herdctl ${this.id?.replace(/:/g, ' ') ?? ''} --help\n`);
      return this.exit(Exit.USAGE);
    }
    if (isEpipe(err)) return this.exit(0);
    printInternalError(err);
    return this.exit(Exit.FAILURE);
  }
}

/** oclif's parse errors span lines ("Parsing --limit\n\tExpected …"): one line reads better after "herdctl:". */
const oneLine = (m: string) => m.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' — ');

const isEpipe = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'EPIPE';
