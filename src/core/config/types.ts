// Config types: camelCase, durations in milliseconds. The YAML names are snake_case (see schema.ts).

/** A name in the runtime registry (src/core/runtimes/index.ts). */
export type RuntimeName = string;
export const PERMISSION_MODES = ['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
export const CATCH_UP = ['none', 'once'] as const;
export const OVERLAP = ['skip', 'queue', 'allow'] as const;

/** What the scheduler consumes. `cron` is 5 or 6 fields (macros such as @daily are expanded). */
export interface ScheduleConfig {
  agent: string;
  name: string;
  cron: string | null;
  everyMs: number | null;
  timezone: string;
  prompt: string | null; // null: the agent's default prompt
  catchUp: (typeof CATCH_UP)[number];
  overlap: (typeof OVERLAP)[number];
  enabled: boolean;
}

export interface AgentConfig {
  name: string;
  runtime: RuntimeName;
  workspace: string; // absolute, `~` expanded
  model: string | null;
  permissionMode: PermissionMode | null;
  allowedTools: string[] | null;
  maxTurns: number | null;
  systemPrompt: string | null;
  timeoutMs: number | null;
  maxConcurrent: number;
  prompt: string | null;
  command: string[] | null;
  promptArg: boolean;
  env: Record<string, string>;
  claudeBin: string | null;
  webhookUrl: string | null;
  quotaBucket: string | null;
  heartbeatTimeoutMs: number; // the agent's own, else jobs.heartbeat_timeout
  isolation: 'worktree' | null;
  retries: number;
  retryBackoffMs: number;
  maxBudgetUsd: number | null;
  dailyBudgetUsd: number | null;
  requeueOnHostLoss: boolean; // the agent's own, else jobs.requeue_on_host_loss
  schedules: ScheduleConfig[];
  /** The block as written (snake_case): runtimes read their settings by YAML name. Its workspace is unresolved. */
  raw: Record<string, unknown>;
}

export interface JobsConfig {
  maxConcurrent: number;
  heartbeatTimeoutMs: number;
  cancelGraceMs: number;
  /** A job a lost host had claimed but not started goes back to the queue (host-loss.ts); by default it fails. */
  requeueOnHostLoss: boolean;
}

export interface QuotaConfig {
  tasksPerHour: number | null;
  tasksTotal: number | null;
}

export interface WebhooksConfig {
  secret: string | null;
  retryMax: number;
  retryBaseMs: number;
  timeoutMs: number;
}

import type { Price } from '../pricing.js';

export type { Price };

export interface Config {
  file: string | null; // null: no config file was found
  envRedacted?: boolean; // loaded from the cache: env names only, no values
  agents: Record<string, AgentConfig>;
  jobs: JobsConfig;
  quotas: Record<string, QuotaConfig>;
  webhooks: WebhooksConfig;
  /** `pricing:` overrides of the built-in price table, by model name. */
  pricing: Record<string, Price>;
}

/** What `config check` prints: the config as herdctl resolved it (defaults applied, paths absolute), env values masked. */
export interface ResolvedConfig {
  file: string | null;
  agents: Record<string, Record<string, unknown>>;
  jobs: JobsConfig;
  quotas: Record<string, QuotaConfig>;
  webhooks: WebhooksConfig;
  pricing: Record<string, Price>;
}
