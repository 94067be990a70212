import { readFileSync } from 'node:fs';
import { environmentError, HerdError, isEnvironmentError } from './core/errors.js';
import { printError, printInternalError } from './render/errors.js';
import type { ChalkInstance } from 'chalk';
import type { ActionResult, Ctx } from './actions/types.js';

/**
 * The hot commands without the command framework: oclif costs about twice
 * node's own start-up, more than `jobs list` itself at 100k jobs. Flags are
 * parsed from oclif.manifest.json (the same definitions oclif uses) and the
 * same action runs. Anything this parser is not sure about — help, an
 * unknown or malformed flag, a missing argument — falls back to oclif, which
 * gives its own errors and help.
 */
type FlagDef = { name: string; char?: string; type: 'boolean' | 'option'; multiple?: boolean; options?: string[]; default?: unknown; exclusive?: string[] };
type CommandDef = { flags: Record<string, FlagDef>; args: Record<string, { name: string; required?: boolean }> };
type Parsed = { args: string[]; flags: Record<string, unknown> };
/** An action's result, and the view that makes its text (src/render/). */
type Shown = { r: ActionResult<any, any>; view?: (data: any, view: any, c: ChalkInstance) => string | null }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Action = (p: Parsed, ctx: Ctx) => Promise<Shown>;

const INTEGER: Record<string, [number, number]> = { limit: [1, Infinity], 'since-seq': [0, Infinity], priority: [-999, 999], retries: [0, 100], tail: [0, Infinity] };

const ACTIONS: Record<string, Action> = {
  'jobs:list': async (p, ctx) => {
    if (p.flags.watch === true) {
      const [{ watchList }, { interruptSignal }, { watchPrinter }, { palette }] = await Promise.all([
        import('./watch-list.js'),
        import('./interrupt.js'),
        import('./render/jobs.js'),
        import('./render/style.js'),
      ]);
      await watchList(p.flags as never, ctx, watchPrinter(palette(), process.stdout.isTTY === true), interruptSignal());
      return { r: {} };
    }
    const [{ jobsList }, { jobsListView }] = await Promise.all([import('./actions/jobs-list.js'), import('./render/jobs.js')]);
    return { r: jobsList(p.flags as never, ctx), view: jobsListView };
  },
  'jobs:show': async (p, ctx) => {
    const [{ jobsShow }, { jobsShowView }] = await Promise.all([import('./actions/jobs-show.js'), import('./render/jobs.js')]);
    return { r: jobsShow(p.args[0], ctx), view: jobsShowView };
  },
  'jobs:logs': async (p, ctx) => ({ r: await (await import('./actions/jobs-logs.js')).jobsLogs(p.args[0], p.flags, ctx) }),
  'jobs:stats': async (p, ctx) => {
    const [{ jobsStats }, { statsView }] = await Promise.all([import('./actions/stats.js'), import('./render/stats.js')]);
    return { r: jobsStats(p.flags as never, ctx), view: statsView };
  },
  run: async (p, ctx) => {
    const [{ runAgent }, { runView, runNotesPrinter }, { interruptSignal }] = await Promise.all([import('./actions/run.js'), import('./render/jobs.js'), import('./interrupt.js')]);
    const waits = p.flags.wait === true || p.flags.follow === true;
    return { r: await runAgent(p.args[0], p.flags, waits ? { ...ctx, interrupt: interruptSignal(), runNotes: runNotesPrinter() } : ctx), view: runView };
  },
};

function commandId(argv: string[]): [string, string[]] | null {
  if (argv[0] === 'run') return ['run', argv.slice(1)];
  if (argv[0] === 'jobs' && argv[1]) return [`jobs:${argv[1]}`, argv.slice(2)];
  if (argv[0]?.startsWith('jobs:')) return [argv[0], argv.slice(1)];
  return null;
}

/** Parses argv against a manifest entry; null when oclif should handle it. */
export function parseArgv(tokens: string[], def: CommandDef): Parsed | null {
  const flags: Record<string, unknown> = {};
  const args: string[] = [];
  const byChar = new Map(
    Object.values(def.flags)
      .filter((f) => f.char)
      .map((f) => [f.char!, f]),
  );
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    let f: FlagDef | undefined;
    let value: string | undefined;
    if (t === '--') {
      args.push(...tokens.slice(i + 1));
      break;
    } else if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      f = def.flags[eq === -1 ? t.slice(2) : t.slice(2, eq)];
      if (eq !== -1) value = t.slice(eq + 1);
    } else if (t.startsWith('-') && t.length === 2) f = byChar.get(t[1]);
    else if (t.startsWith('-') && t.length > 1) return null;
    else {
      args.push(t);
      continue;
    }
    if (!f || f.name === 'help') return null;
    if (f.type === 'boolean') {
      if (value !== undefined) return null;
      flags[f.name] = true;
      continue;
    }
    value ??= tokens[++i];
    if (value === undefined || (f.options && !f.options.includes(value))) return null;
    let v: string | number = value;
    const range = INTEGER[f.name];
    if (range) {
      if (!/^-?\d+$/.test(value) || +value < range[0] || +value > range[1]) return null;
      v = Number(value);
    }
    if (f.multiple) (flags[f.name] = (flags[f.name] as unknown[] | undefined) ?? []).push(v);
    else if (f.name in flags) return null;
    else flags[f.name] = v;
  }
  const argDefs = Object.values(def.args);
  if (args.length > argDefs.length || argDefs.some((a, i) => a.required && args[i] === undefined)) return null;
  for (const f of Object.values(def.flags)) {
    if (f.name in flags && f.exclusive?.some((x) => x in flags)) return null;
    if (!(f.name in flags) && f.default !== undefined) flags[f.name] = f.default;
  }
  return { args, flags };
}

/** Runs argv here when it is a hot command this parser understands; false: hand it to oclif. */
export async function tryFast(argv: string[], manifestUrl: URL): Promise<boolean> {
  const found = commandId(argv);
  if (!found || !(found[0] in ACTIONS)) return false;
  let def: CommandDef | undefined;
  try {
    def = JSON.parse(readFileSync(manifestUrl, 'utf8')).commands?.[found[0]];
  } catch {
    return false;
  }
  const parsed = def && parseArgv(found[1], def);
  if (!parsed) return false;
  const json = parsed.flags.json === true;
  const streams = found[0] === 'jobs:logs' || (found[0] === 'run' && parsed.flags.follow === true);
  const ctx: Ctx = { home: parsed.flags.home as string | undefined, ...(streams ? { logs: (await import('./render/logs.js')).logPrinter(json) } : {}) };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => e.code === 'EPIPE' && process.exit(0));
  try {
    const { r, view } = await ACTIONS[found[0]](parsed, ctx);
    if (json && r.data !== undefined) process.stdout.write(JSON.stringify(r.data, null, 2) + '\n');
    else if (!json && view && r.data !== undefined) {
      const text = view(r.data, r.view, (await import('./render/style.js')).palette());
      if (text !== null) process.stdout.write(text + '\n');
    }
    process.exitCode = r.exit ?? 0;
  } catch (caught) {
    const e = isEnvironmentError(caught) ? environmentError(caught) : caught; // the disk or the permissions, not a bug
    if (e instanceof HerdError) {
      printError(e, json);
      process.exitCode = e.exitCode;
    } else {
      printInternalError(e as Error, json);
      process.exitCode = 1;
    }
  }
  return true;
}
