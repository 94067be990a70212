import { findConfigPath, loadConfig, type Config, type ResolvedConfig } from '../core/config.js';
import type { ActionResult, Ctx } from './types.js';
import { Paths, resolveHome } from '../core/paths.js';
import { HerdError } from '../core/errors.js';
import { didYouMean } from '../core/near.js';
import { PROVIDERS } from '../core/providers.js';
import type { JobStore } from '../core/store.js';

/** The config a command needs, found the documented way (--config, $HERDCTL_CONFIG, ./herdctl.yaml walking up, <home>/herdctl.yaml). */
export function loadConfigFor(flags: { config?: string; home?: string }): Config {
  const home = resolveHome(flags.home);
  return loadConfig(findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home }), new Paths(home).cache);
}

/**
 * An --agent filter that names no agent herdctl has seen (no queue or job of
 * that name, none in the config, not a built-in one) is a typo, not an empty
 * result: a not-found error with the nearest name. Asked only when a filter
 * matched nothing, so a listing never pays for the config.
 */
export function assertKnownAgent(store: JobStore, name: string, flags: { config?: string; home?: string }): void {
  const known = new Set([...store.queue.agents(), ...PROVIDERS]);
  if (known.has(name) || store.list({ agent: name, limit: 1 }).length > 0) return; // an agent with jobs (a copied-in one has no queue)
  try {
    for (const a of Object.keys(loadConfigFor(flags).agents)) known.add(a);
  } catch {
    /* a broken config: judge by the queues */
  }
  if (known.has(name)) return;
  throw new HerdError('not_found', `no agent "${name}"${didYouMean(name, known)}`, 'herdctl agents list');
}

/** `herdctl config check`: loads and validates (errors name file:line:col, exit 6), then returns the resolved config. */
export function configCheck(flags: { config?: string }, ctx: Ctx): ActionResult<ResolvedConfig> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const agents = Object.fromEntries(
    Object.entries(config.agents).map(([name, a]) => {
      const { raw: _raw, name: _name, env, ...rest } = a;
      return [name, { ...rest, env: Object.fromEntries(Object.keys(env).map((k) => [k, '***'])) }];
    }),
  );
  return { data: { file: config.file, agents, jobs: config.jobs, quotas: config.quotas, webhooks: config.webhooks, pricing: config.pricing } };
}
