import type { ChalkInstance } from 'chalk';

/** A table cell: its text, and a color applied after padding is measured (escape codes take no columns). */
export type Cell = string | { text: string; color?: (s: string) => string };

const textOf = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text);

/**
 * The one table renderer: columns aligned on the widest cell, two spaces
 * apart, a bold header row (left out with `headers: false`, for pipes),
 * `right`-aligned columns for numbers, no trailing spaces.
 */
export function table(head: string[], rows: Cell[][], c: ChalkInstance, opts: { headers?: boolean; right?: number[] } = {}): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => textOf(r[i]).length)));
  const line = (cells: Cell[]) =>
    cells
      .map((cell, i) => {
        const text = textOf(cell);
        const pad = ' '.repeat(widths[i] - text.length);
        const shown = typeof cell === 'string' || !cell.color ? text : cell.color(text);
        return opts.right?.includes(i) ? pad + shown : shown + pad; // numbers line up on the right
      })
      .join('  ')
      .trimEnd();
  const lines = opts.headers === false ? [] : [c.bold(line(head))];
  for (const r of rows) lines.push(line(r));
  return lines.join('\n');
}

/** 12345 → "12,345" (toLocaleString would load ICU: slower than a whole `jobs list`) */
export const num = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
