// "Did you mean": the one place that finds the name a typo was meant to be
// (commands, flags, config keys, agents).

/** Edit distance with transpositions (optimal string alignment): `jbos` is 1 from `jobs`. */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate `word` was most likely meant to be: within a third of its length in edits (at least 1), the closest; null when none is near. */
export function nearest(word: string, candidates: Iterable<string>): string | null {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = distance(word.toLowerCase(), c.toLowerCase());
    if (dist <= limit && dist < bestD) [best, bestD] = [c, dist];
  }
  return best;
}

/** `; did you mean "x"?` or nothing: for the end of an error message. */
export const didYouMean = (word: string, candidates: Iterable<string>, quote = (s: string) => `"${s}"`): string => {
  const n = nearest(word, candidates);
  return n === null ? '' : `; did you mean ${quote(n)}?`;
};
