import { environmentError, HerdError, isEnvironmentError } from './core/errors.js';
import { printError, printInternalError } from './render/errors.js';
import type { ChalkInstance } from 'chalk';
import type { ActionResult, Ctx } from './actions/types.js';
import { parseArgv, type CommandSpec, type Parsed } from './flags/spec.js';

/**
 * The hot commands without the command framework: oclif costs about twice
 * node's own start-up, more than `jobs list` itself at 100k jobs. Their flags
 * are parsed from the same definitions oclif uses (src/flags/) and the same
 * action runs. Anything the parser is not sure about — help, an unknown or
 * malformed flag, a missing argument — falls back to oclif, which gives its
 * own errors and help.
 */
/** An action's result, and the view that makes its text (src/render/). */
type Shown = { r: ActionResult<any, any>; view?: (data: any, view: any, c: ChalkInstance) => string | null }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Action = (p: Parsed, ctx: Ctx) => Promise<Shown>;

/** Each hot command's flag definitions (loaded only for the command run). */
export const SPECS: Record<string, () => Promise<CommandSpec>> = {
  'jobs:list': async () => (await import('./flags/jobs-list.js')).JOBS_LIST,
  'jobs:show': async () => (await import('./flags/jobs-show.js')).JOBS_SHOW,
  'jobs:logs': async () => (await import('./flags/jobs-logs.js')).JOBS_LOGS,
  'jobs:stats': async () => (await import('./flags/jobs-stats.js')).JOBS_STATS,
  run: async () => (await import('./flags/run.js')).RUN,
};

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
    return { r: await runAgent(p.args[0], p.flags, waits ? { ...ctx, interrupt: interruptSignal(), runNotes: runNotesPrinter(p.flags.follow !== true) } : ctx), view: runView };
  },
};

function commandId(argv: string[]): [string, string[]] | null {
  if (argv[0] === 'run') return ['run', argv.slice(1)];
  if (argv[0] === 'jobs' && argv[1]) return [`jobs:${argv[1]}`, argv.slice(2)];
  if (argv[0]?.startsWith('jobs:')) return [argv[0], argv.slice(1)];
  return null;
}

/** Runs argv here when it is a hot command this parser understands; false: hand it to oclif. */
export async function tryFast(argv: string[]): Promise<boolean> {
  const found = commandId(argv);
  if (!found || !Object.hasOwn(ACTIONS, found[0])) return false;
  const parsed = parseArgv(found[1], await SPECS[found[0]]());
  if (!parsed) return false;
  const json = parsed.flags.json === true;
  const streams = found[0] === 'jobs:logs' || (found[0] === 'run' && parsed.flags.follow === true);
  const waits = found[0] === 'run' && parsed.flags.wait === true; // its status line goes before its result
  const ctx: Ctx = { home: parsed.flags.home as string | undefined, ...(streams ? { logs: (await import('./render/logs.js')).logPrinter(json) } : {}) };
  process.stdout.on('error', (e: NodeJS.ErrnoException) => e.code === 'EPIPE' && process.exit(0));
  try {
    const { r, view } = await ACTIONS[found[0]](parsed, ctx);
    if (waits) (await import('./render/status-line.js')).clearStatus();
    if (json && r.data !== undefined) process.stdout.write(JSON.stringify(r.data, null, 2) + '\n');
    else if (!json && view && r.data !== undefined) {
      const text = view(r.data, r.view, (await import('./render/style.js')).palette());
      if (text !== null) process.stdout.write(text + '\n');
    }
    process.exitCode = r.exit ?? 0;
  } catch (caught) {
    if (waits) (await import('./render/status-line.js')).clearStatus();
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
