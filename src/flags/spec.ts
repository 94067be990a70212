/**
 * Flag and argument definitions as plain data: the one source of truth for a
 * command's options. oclif gets them through ./oclif.ts; the hot commands'
 * fast path (src/fast.ts) parses argv with them directly, without loading the
 * command framework. test/one-parser.test.ts runs a corpus of argvs through
 * both and requires the same result, or the fast path handing over to oclif.
 */
type Common = { char?: string; description: string; exclusive?: readonly string[]; dependsOn?: readonly string[]; helpGroup?: string };
export type BooleanSpec = Common & { kind: 'boolean' };
export type StringSpec = Common & { kind: 'string'; options?: readonly string[]; multiple?: boolean };
export type IntegerSpec = Common & { kind: 'integer'; min?: number; max?: number; default?: number };
export type FlagSpec = BooleanSpec | StringSpec | IntegerSpec;
export type ArgSpec = { name: string; description: string; required?: boolean };
export type CommandSpec = { args: readonly ArgSpec[]; flags: Readonly<Record<string, FlagSpec>> };

/** Every command's --home (BaseCommand.baseFlags). */
export const HOME_FLAG = { kind: 'string', description: 'state directory (default: $HERDCTL_HOME or ~/.herdctl)', helpGroup: 'GLOBAL' } as const satisfies FlagSpec;
export const CONFIG_FLAG = {
  kind: 'string',
  char: 'c',
  description: 'herdctl.yaml to use (default: $HERDCTL_CONFIG, ./herdctl.yaml walking up, then <home>/herdctl.yaml)',
} as const satisfies FlagSpec;
/** --json: oclif adds it to every command with enableJsonFlag; the fast path must know it too. */
const JSON_FLAG: BooleanSpec = { kind: 'boolean', description: 'Format output as json.', helpGroup: 'GLOBAL' };

export type Parsed = { args: string[]; flags: Record<string, unknown> };

/**
 * argv (after the command's name) parsed as oclif would, or null when this
 * parser is not sure — help, an unknown or malformed flag, a bad value, a
 * missing argument: oclif then gives its own errors and help.
 */
export function parseArgv(tokens: readonly string[], spec: CommandSpec): Parsed | null {
  const all: Record<string, FlagSpec> = { ...spec.flags, home: HOME_FLAG, json: JSON_FLAG };
  const flags: Record<string, unknown> = {};
  const args: string[] = [];
  const byChar = new Map(Object.entries(all).flatMap(([name, f]) => (f.char ? [[f.char, name] as const] : [])));
  const namesFlag = (t: string) => (t.startsWith('--') ? Object.hasOwn(all, t.slice(2)) : t.startsWith('-') && byChar.has(t[1]));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    let name: string | undefined;
    let value: string | undefined;
    if (t === '--') {
      args.push(...tokens.slice(i + 1));
      break;
    } else if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      name = eq === -1 ? t.slice(2) : t.slice(2, eq);
      if (eq !== -1) value = t.slice(eq + 1);
    } else if (t.startsWith('-') && t.length === 2) name = byChar.get(t[1]);
    else if (t.startsWith('-') && t.length > 1) return null;
    else {
      args.push(t);
      continue;
    }
    const f = name === undefined || !Object.hasOwn(all, name) ? undefined : all[name];
    if (!f || name === undefined) return null;
    if (f.kind === 'boolean') {
      if (value !== undefined || name in flags) return null;
      flags[name] = true;
      continue;
    }
    value ??= tokens[++i];
    if (value === undefined || namesFlag(value)) return null; // oclif: the value was left out
    const v = f.kind === 'integer' ? integer(value, f) : f.options && !f.options.includes(value) ? undefined : value;
    if (v === undefined) return null;
    if (f.kind === 'string' && f.multiple) ((flags[name] as unknown[] | undefined) ?? (flags[name] = [])).push(v);
    else if (name in flags) return null;
    else flags[name] = v;
  }
  if (args.length > spec.args.length || spec.args.some((a, i) => a.required && args[i] === undefined)) return null;
  const given = Object.keys(flags);
  if (given.some((name) => all[name].exclusive?.some((x) => x in flags) || all[name].dependsOn?.some((x) => !(x in flags)))) return null;
  for (const [name, f] of Object.entries(all)) if (!(name in flags) && f.kind === 'integer' && f.default !== undefined) flags[name] = f.default;
  return { args, flags };
}

function integer(value: string, f: IntegerSpec): number | undefined {
  if (!/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n < (f.min ?? -Infinity) || n > (f.max ?? Infinity) ? undefined : n;
}
