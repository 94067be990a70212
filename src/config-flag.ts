import { Flags } from '@oclif/core';
import { findConfigPath, loadConfig, type Config } from './core/config.js';
import { resolveHome } from './core/paths.js';

export const configFlag = Flags.string({ char: 'c', description: 'herdctl.yaml to use (default: $HERDCTL_CONFIG, ./herdctl.yaml walking up, then <home>/herdctl.yaml)' });

/** The config commands that need one load, found the documented way. */
export function loadConfigFor(flags: { config?: string; home?: string }): Config {
  return loadConfig(findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home: resolveHome(flags.home) }));
}
