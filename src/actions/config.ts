import { findConfigPath, loadConfig, type Config } from '../core/config.js';
import { Paths, resolveHome } from '../core/paths.js';

/** The config a command needs, found the documented way (--config, $HERDCTL_CONFIG, ./herdctl.yaml walking up, <home>/herdctl.yaml). */
export function loadConfigFor(flags: { config?: string; home?: string }): Config {
  const home = resolveHome(flags.home);
  return loadConfig(findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home }), new Paths(home).cache);
}
