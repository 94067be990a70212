import { Args, Flags } from '@oclif/core';
import type { Arg, BooleanFlag, OptionFlag } from '@oclif/core/interfaces';
import type { ArgSpec, FlagSpec, IntegerSpec, StringSpec } from './spec.js';

/**
 * The plain flag definitions of ./spec.ts as oclif flags, typed as oclif
 * would type them, so a command's run() sees the same values the fast path
 * parses.
 */
type Common = { char?: string; description: string; exclusive?: readonly string[]; dependsOn?: readonly string[]; helpGroup?: string };
type OclifOf<F> = F extends { kind: 'boolean' }
  ? BooleanFlag<boolean>
  : F extends { kind: 'integer'; default: number }
    ? OptionFlag<number>
    : F extends { kind: 'integer' }
      ? OptionFlag<number | undefined>
      : F extends { multiple: true }
        ? OptionFlag<string[] | undefined>
        : OptionFlag<string | undefined>;
export type OclifFlags<S> = { [K in keyof S]: OclifOf<S[K]> };

export function oclifFlags<S extends Record<string, FlagSpec>>(spec: S): OclifFlags<S> {
  return Object.fromEntries(Object.entries(spec).map(([name, f]) => [name, oclifFlag(f)])) as OclifFlags<S>;
}

export function oclifFlag<F extends FlagSpec>(f: F): OclifOf<F> {
  const common = {
    char: f.char as never,
    description: f.description,
    exclusive: f.exclusive as string[] | undefined,
    dependsOn: f.dependsOn as string[] | undefined,
    helpGroup: f.helpGroup,
  } satisfies Common;
  if (f.kind === 'boolean') return Flags.boolean(common) as OclifOf<F>;
  if (f.kind === 'integer') return Flags.integer({ ...common, min: (f as IntegerSpec).min, max: (f as IntegerSpec).max, default: (f as IntegerSpec).default }) as never;
  const s = f as StringSpec;
  const options = s.options ? [...s.options] : undefined;
  // one value per --tag, like every other CLI (oclif's multiple flags are greedy by default)
  return (s.multiple ? Flags.string({ ...common, options, multiple: true, multipleNonGreedy: true }) : Flags.string({ ...common, options })) as never;
}

type ArgsOf<A extends readonly ArgSpec[]> = { [X in A[number] as X['name']]: Arg<X extends { required: true } ? string : string | undefined> };

/** Positional arguments, in order. */
export function oclifArgs<const A extends readonly ArgSpec[]>(spec: A): ArgsOf<A> {
  return Object.fromEntries(spec.map((a) => [a.name, Args.string({ description: a.description, required: a.required })])) as ArgsOf<A>;
}
