// Providers: the runtimes that drive a vendor's agent CLI (claude, codex, gemini),
// as the HTTP API names them. What GET /health reports about each, and the agent
// a submission naming only a provider runs on.
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { getAgent, type AgentConfig, type Config } from './config.js';
import { HerdError } from './errors.js';
import { RUNTIMES } from './runtimes/index.js';
import { programFor } from './runtimes/shared.js';

export interface ProviderInfo {
  name: string;
  program: string;
  /** The program is found (on the PATH, or at the path HERDCTL_<NAME>_BIN names) and executable. */
  available: boolean;
}

export const PROVIDERS: readonly string[] = RUNTIMES.filter((r) => r.defaultProgram !== null).map((r) => r.name);

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Whether `program` would be found the way spawn finds it. */
export function onPath(program: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (program.includes('/')) return executable(isAbsolute(program) ? program : join(process.cwd(), program));
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, program)));
}

export function providerInfo(env: NodeJS.ProcessEnv = process.env): ProviderInfo[] {
  return PROVIDERS.map((name) => {
    const program = programFor({}, name);
    return { name, program, available: onPath(program, env) };
  });
}

/**
 * The agent a job naming only a provider runs on: the config's agent of that name when it uses that runtime,
 * else the built-in one, working in `workspace` (HTTP: the body's, else the config file's directory; without
 * either there is none: a usage error, HTTP 400).
 */
export function providerAgent(config: Config, provider: string, workspace?: string): AgentConfig {
  if (!PROVIDERS.includes(provider)) throw new HerdError('usage', `unknown provider "${provider}"; known providers: ${PROVIDERS.join(', ')}`);
  const own = Object.hasOwn(config.agents, provider) ? config.agents[provider] : null;
  if (own) {
    if (own.runtime !== provider) throw new HerdError('usage', `agent "${provider}" of ${config.file} runs runtime ${own.runtime}, not ${provider}; name an agent instead`);
    return own;
  }
  const ws = workspace ?? (config.file === null ? null : dirname(config.file));
  if (ws === null) {
    throw new HerdError(
      'usage',
      `no workspace for the built-in ${provider} agent: give "workspace", or start the server with a herdctl.yaml (its directory is the default)`,
      'name an "agent" of the config, or give "workspace"',
    );
  }
  return builtinAgent(config, provider, ws);
}

/**
 * A built-in agent: one per runtime that drives a vendor CLI (claude, codex, gemini), every setting at its
 * default, usable with no config at all (`herdctl run claude --prompt …` works in the current directory).
 * An agent of the config with the same name wins.
 */
export function builtinAgent(config: Config, runtime: string, workspace: string): AgentConfig {
  return {
    name: runtime,
    runtime,
    workspace,
    model: null,
    permissionMode: null,
    allowedTools: null,
    maxTurns: null,
    systemPrompt: null,
    timeoutMs: null,
    maxConcurrent: 1,
    prompt: null,
    command: null,
    promptArg: false,
    env: {},
    claudeBin: null,
    webhookUrl: null,
    quotaBucket: null,
    heartbeatTimeoutMs: config.jobs.heartbeatTimeoutMs,
    isolation: null,
    retries: 0,
    retryBackoffMs: 30_000,
    maxBudgetUsd: null,
    dailyBudgetUsd: null,
    requeueOnHostLoss: config.jobs.requeueOnHostLoss,
    schedules: [],
    raw: { runtime },
  };
}

/** The agent `run <name>` means: the config's, else a built-in one (in `cwd`) when the name is a runtime's. */
export function runnableAgent(config: Config, name: string, cwd: string | undefined): AgentConfig {
  if (Object.hasOwn(config.agents, name) || !PROVIDERS.includes(name) || cwd === undefined) return getAgent(config, name);
  return builtinAgent(config, name, cwd);
}

/**
 * The agent a submission runs on (HTTP, SDK): the named one, whose runtime must be the provider if one is
 * named; else the provider's (providerAgent), added to the returned config so submit finds it.
 */
export function agentFor(config: Config, agent: string | undefined, provider: string | undefined, workspace?: string): { config: Config; agent: string } {
  if (provider !== undefined && !PROVIDERS.includes(provider)) throw new HerdError('usage', `"provider" must be one of ${PROVIDERS.join(', ')}`);
  if (agent) {
    const runtime = getAgent(config, agent).runtime;
    if (provider !== undefined && runtime !== provider) throw new HerdError('usage', `agent "${agent}" runs runtime ${runtime}, not provider ${provider}`);
    return { config, agent };
  }
  if (provider === undefined) {
    throw new HerdError('usage', '"agent" or "provider" is required: an agent of the config (GET /v1/agents) or one of the providers (GET /health)');
  }
  const a = providerAgent(config, provider, workspace);
  return { config: { ...config, agents: { ...config.agents, [a.name]: a } }, agent: a.name };
}
