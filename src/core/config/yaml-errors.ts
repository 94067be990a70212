import { nearest } from '../near.js';
import type * as Yaml from 'yaml';
import type { z as Z } from 'zod';
import { createRequire } from 'node:module';
import { HerdError } from '../errors.js';

// yaml, zod and cron-parser cost ~90 ms to load together, more than a
// `herdctl run` should take in all: they are required on first parse only,
// and `loadConfig` answers from a cache while the file is unchanged.
export const req = createRequire(import.meta.url);
let yamlLib: typeof Yaml | undefined;
export const yaml = (): typeof Yaml => (yamlLib ??= req('yaml') as typeof Yaml);

export const FIX = 'fix the file, then run: herdctl agents list';

export type Path = (string | number)[];
export interface Problem {
  line: number;
  col: number;
  path: Path;
  message: string;
}

/** Unresolved aliases and alias bombs only surface here, without a position. */
export function toJS(doc: Yaml.Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    return fail(file, [{ line: 1, col: 1, path: [], message: `invalid YAML: ${firstLine((e as Error).message)}` }]);
  }
}

export const firstLine = (s: string): string => s.split('\n')[0];

export function fail(file: string, problems: Problem[]): never {
  const lines = problems.sort((a, b) => a.line - b.line || a.col - b.col).map((p) => `${file}:${p.line}:${p.col}: ${p.path.length ? `${formatPath(p.path)}: ` : ''}${p.message}`);
  throw new HerdError('config', lines.join('\n'), FIX);
}

/** agents.bragdoc-coder.allowed_tools[1]; names that are not plain words are quoted: agents["../x"]. */
function formatPath(path: Path): string {
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      if (/^[A-Za-z0-9_-]+$/.test(seg)) return i === 0 ? seg : `.${seg}`;
      return `[${JSON.stringify(seg)}]`;
    })
    .join('');
}

/** Zod reports all unknown keys of one mapping in one issue; the user wants each at its own line. */
export function toProblems(issue: Z.ZodIssue, doc: Yaml.Document, lc: Yaml.LineCounter): Problem[] {
  if (issue.code !== 'unrecognized_keys') return [{ ...locate(doc, lc, issue.path), path: issue.path, message: issue.message }];
  const allowed = /allowed keys: (.*)$/.exec(issue.message)?.[1].split(', ') ?? [];
  return issue.keys.map((k) => {
    const path = [...issue.path, k];
    const near = nearest(k, allowed);
    return { ...locate(doc, lc, path), path, message: near ? `unknown key; did you mean "${near}"? allowed keys: ${allowed.join(', ')}` : issue.message };
  });
}

/** Line and column of the key at `path`, or of the deepest part of it that exists (the parent of a missing key). */
function locate(doc: Yaml.Document, lc: Yaml.LineCounter, path: Path): { line: number; col: number } {
  const { isAlias, isMap, isNode, isScalar, isSeq } = yaml();
  const start = (n: unknown): number | undefined => (isNode(n) ? n.range?.[0] : undefined);
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = start(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      offset = start(node) ?? offset;
    } else break;
  }
  return lc.linePos(offset);
}
