// Cost estimates for CLIs that report tokens but no cost (codex, gemini): a
// per-model price table, overridable by the config's `pricing:` section. A
// pure module: the runner asks it once per finished job.
import type { Usage } from './events.js';
import type { ModelTokens } from './runtimes/types.js';

/** USD per million tokens; cachedInput (cache reads) defaults to the input price. Same shape as config's Price. */
export interface Price {
  input: number;
  output: number;
  cachedInput?: number;
}

/**
 * Built-in list prices (USD per 1M tokens) for the models the supported CLIs use by default or
 * commonly. They go stale: `pricing:` in herdctl.yaml overrides or extends them. A model matches
 * an entry by exact name first, then by the longest entry name it starts with.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  // OpenAI (codex)
  'gpt-6.1-sol': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5.5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cachedInput: 0.275 },
  // Google (gemini)
  'gemini-3.8-flash': { input: 0.3, output: 2.5, cachedInput: 0.075 },
  'gemini-3.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gemini-3.1-pro': { input: 1.25, output: 10, cachedInput: 0.31 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cachedInput: 0.31 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.075 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  // Anthropic (claude reports its own cost; for completeness)
  'claude-opus': { input: 15, output: 75, cachedInput: 1.5 },
  'claude-sonnet': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-haiku': { input: 1, output: 5, cachedInput: 0.1 },
};

/** The price of `model`: the config's entries first, then the built-in ones; exact name, then longest prefix. */
export function priceFor(model: string, overrides: Readonly<Record<string, Price>> = {}): Price | null {
  for (const table of [overrides, DEFAULT_PRICES]) {
    if (Object.hasOwn(table, model)) return table[model];
    const prefix = Object.keys(table)
      .filter((k) => model.startsWith(k))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix) return table[prefix];
  }
  return null;
}

/** USD for the tokens of each model; null when any model with tokens has no price (a partial sum would mislead). */
export function estimateCost(parts: readonly ModelTokens[], overrides: Readonly<Record<string, Price>> = {}): number | null {
  let usd = 0;
  for (const p of parts) {
    if (p.inputTokens + p.outputTokens + p.cacheReadTokens + p.cacheCreationTokens === 0) continue;
    const price = priceFor(p.model, overrides);
    if (!price) return null;
    // cache writes are billed as input here: the CLIs that need estimates do not price them separately
    usd += ((p.inputTokens + p.cacheCreationTokens) * price.input + p.outputTokens * price.output + p.cacheReadTokens * (price.cachedInput ?? price.input)) / 1e6;
  }
  return Math.round(usd * 1e8) / 1e8;
}

/** `usage` with an estimated cost when the CLI reported none; unchanged when it did or no price is known. */
export function withEstimate(usage: Usage | null, parts: readonly ModelTokens[], overrides: Readonly<Record<string, Price>> = {}): Usage | null {
  if (!usage || usage.costUsd !== null || parts.length === 0) return usage;
  const cost = estimateCost(parts, overrides);
  return cost === null ? usage : { ...usage, costUsd: cost, costEstimated: true };
}
