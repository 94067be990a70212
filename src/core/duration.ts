import { HerdError } from './errors.js';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** "30m", "1h30m", "7d", "500ms" → milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s)) return null;
  let total = 0;
  for (const [, n, u] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(n) * UNIT_MS[u];
  return total;
}

/**
 * A `--since` value (or the SDK's / API's `since`), checked: epoch ms, or
 * undefined when none was given; a usage error naming `name` and the `example`
 * to try when it is neither a duration nor a date.
 */
export function sinceFlag(text: string | undefined, now: number, name: string, example: string): number | undefined {
  if (text === undefined) return undefined;
  const t = parseSince(text, now);
  if (t === null) throw new HerdError('usage', `${name} ${JSON.stringify(text)} is neither a duration (30m, 24h, 7d) nor a date (2024-01-15)`, example);
  return t;
}

/** "24h" (ago, from now) or a date "2024-01-15" / ISO-8601 instant → epoch ms; null when neither. */
export function parseSince(text: string, now: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return now - d;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return null;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? null : t;
}

/** 95000 → "1m35s"; for tables. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Epoch ms → "3m ago" / "in 5m", relative to now. */
export function formatRelative(t: number, now: number): string {
  const d = now - t;
  const text = formatDuration(Math.abs(d)).replace(/(\d+[a-z]+).*/, '$1');
  return d >= 0 ? `${text} ago` : `in ${text}`;
}
