import { Command, Errors } from '@oclif/core';
import { oclifFlag } from './flags/oclif.js';
import { HOME_FLAG } from './flags/spec.js';
import { environmentError, Exit, HerdError, isEnvironmentError } from './core/errors.js';
import type { ChalkInstance } from 'chalk';
import { printError, printInternalError } from './render/errors.js';
import { didYouMean } from './core/near.js';
import { palette } from './render/style.js';
import { clearStatus } from './render/status-line.js';
import type { ActionResult, Ctx } from './actions/types.js';

/**
 * Every command: --home, --json, and one error path — a HerdError prints its
 * message and the next command to try (or, with --json, a JSON object) and
 * exits with its code; nothing ever prints a stack trace.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true;
  static baseFlags = {
    home: oclifFlag(HOME_FLAG),
  };

  protected ctx(home: string | undefined, extra: Omit<Ctx, 'home'> = {}): Ctx {
    return { home, ...extra };
  }

  /**
   * Ends an action: without --json its view (src/render/) makes the text
   * printed; with it, its data is what is printed; a non-zero outcome
   * becomes the exit code.
   */
  protected present<T, V>(r: ActionResult<T, V>, view?: (data: T, view: V, c: ChalkInstance) => string | null): T | undefined {
    clearStatus(); // a wait's status line goes before its result
    if (view && !this.jsonEnabled() && r.data !== undefined) {
      const text = view(r.data, r.view as V, palette());
      if (text !== null) this.log(text);
    }
    return this.finish(r);
  }

  protected finish<T, V>(r: ActionResult<T, V>): T | undefined {
    if (r.exit) {
      if (this.jsonEnabled() && r.data !== undefined) this.logJson(r.data);
      this.exit(r.exit);
    }
    return r.data;
  }

  protected async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    const json = this.argv.includes('--json');
    clearStatus();
    if (isEnvironmentError(err)) err = environmentError(err); // the disk or the permissions, not a bug
    if (err instanceof HerdError) {
      printError(err, json);
      return this.exit(err.exitCode);
    }
    if (err instanceof Errors.ExitError) throw err;
    // oclif's own parse errors (unknown flag, missing arg): usage errors
    if (err.oclif?.exit === 2 || /Unexpected argument|Nonexistent flag|Missing required|Expected|flag/i.test(err.message)) {
      const missing = (err as { args?: { name?: string }[] }).args?.map((a) => a.name ?? '?');
      const message = usageMessage(err.message, Object.keys((this.constructor as typeof Command).flags ?? {}), missing);
      if (json) process.stdout.write(JSON.stringify({ error: 'usage', message }) + '\n');
      else process.stderr.write(`herdctl: ${message}\n  try: herdctl help ${this.id?.replace(/:/g, ' ') ?? ''}\n`);
      return this.exit(Exit.USAGE);
    }
    if (isEpipe(err)) return this.exit(0);
    printInternalError(err, json);
    return this.exit(Exit.FAILURE);
  }
}

/**
 * oclif's parse error in our words: one line (it spans several: "Parsing
 * --limit\n\tExpected …"), without its framework wording ("See more help
 * with --help", "Note: --tag allows multiple values…", "The following error
 * occurred"), and an unknown flag gets the nearest real one.
 */
export function usageMessage(raw: string, flags: string[], missing?: string[]): string {
  const lines = raw
    .split('\n')
    .map((l) => l.trim().replace(/\s*See more help with --help\.?$/, ''))
    .filter((l) => l && !/^(Note: |The following errors? occurred|See more help with --help)/.test(l));
  const unknown = /^Nonexistent flags?: (.*)$/.exec(lines[0] ?? '');
  if (unknown) {
    const given = unknown[1].split(/,\s*/).map((f) => f.replace(/=.*$/, ''));
    return given.map((f) => `unknown flag ${f}${didYouMean(f.replace(/^-+/, ''), flags, (n) => `--${n}`)}`).join('; ');
  }
  if (missing?.length && /^Missing \d+ required arg/.test(lines[0] ?? '')) return `missing ${missing.map((a) => `<${a}>`).join(' ')}`;
  const extra = /^Unexpected arguments?: (.*)$/.exec(lines[0] ?? '');
  if (extra) return `unexpected argument${extra[1].includes(',') ? 's' : ''} ${extra[1]} (a text with spaces needs quotes; a prompt goes after --prompt)`;
  return lines.slice(0, 3).join(' — ');
}

const isEpipe = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'EPIPE';
