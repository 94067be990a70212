import { existsSync, readlinkSync, writeSync } from 'node:fs';
import type { io as IoObject } from '../../src/core/fsx.js';

/**
 * Fault injection through fsx's `io` object (every writer's file primitive):
 * wrap each call, see which file it touches, and fail, shorten or crash it.
 */
export type Io = typeof IoObject;
export type IoOp = keyof Io;

export interface IoCall {
  n: number; // 1-based count of io calls since hooking
  op: IoOp;
  target: string; // the path, or what the fd points at
  args: unknown[];
}

const MESSAGES: Record<string, string> = { EIO: 'i/o error', ENOSPC: 'no space left on device' };
/** An error shaped like node's own for a failed syscall. */
export function ioError(code: 'EIO' | 'ENOSPC', call: Pick<IoCall, 'op' | 'target'>): NodeJS.ErrnoException {
  const syscall = call.op.replace(/Sync$/, ''); // openSync → open, as node names the syscall
  const e = new Error(`${code}: ${MESSAGES[code]}, ${syscall} '${call.target}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.errno = code === 'EIO' ? -5 : -28;
  return e;
}

function targetOf(op: IoOp, args: unknown[]): string {
  const a = args[0];
  if (typeof a === 'number') {
    try {
      return readlinkSync(`/proc/self/fd/${a}`);
    } catch {
      return `fd ${a}`;
    }
  }
  return op === 'renameSync' ? `${String(a)} -> ${String(args[1])}` : String(a);
}

/**
 * Routes every io call through `around(call, original)`; returns the undo.
 * `around` may call `original()` (before/after doing something), throw, or
 * return a value of its own.
 */
export function hookIo(io: Io, around: (call: IoCall, original: () => unknown) => unknown): () => void {
  const saved = { ...io };
  let n = 0;
  for (const op of Object.keys(saved) as IoOp[]) {
    const orig = saved[op] as (...a: unknown[]) => unknown;
    (io as Record<IoOp, unknown>)[op] = (...args: unknown[]) => around({ n: ++n, op, target: targetOf(op, args), args }, () => orig(...args));
  }
  return () => Object.assign(io, saved);
}

/** Fails the k-th call ("once"), or the k-th and every later one ("for good"), with `code`. */
export function failFrom(io: Io, k: number, mode: 'once' | 'for good', code: 'EIO' | 'ENOSPC' = 'EIO'): { restore: () => void; calls: IoCall[]; failed: IoCall[] } {
  const calls: IoCall[] = [];
  const failed: IoCall[] = [];
  const restore = hookIo(io, (c, original) => {
    calls.push(c);
    if (c.n === k || (mode === 'for good' && c.n > k)) {
      failed.push(c);
      throw ioError(code, c);
    }
    return original();
  });
  return { restore, calls, failed };
}

/**
 * A fault plan for another process (a runner, the CLI), from the environment:
 * HERDCTL_FAULT_PLAN={"code":"ENOSPC","ops":["writeSync"],"match":"output.jsonl","whileExists":"/path/flag","partial":true}
 * Calls of those ops on a target containing `match` fail while the flag file
 * exists (the disk is full); `partial` writes half of the data first, as a
 * real short write before ENOSPC does.
 */
export interface FaultPlan {
  code: 'EIO' | 'ENOSPC';
  ops: IoOp[];
  match?: string;
  whileExists?: string;
  partial?: boolean;
}

export function applyPlan(io: Io, plan: FaultPlan): () => void {
  let shortened = false;
  return hookIo(io, (c, original) => {
    const hit = plan.ops.includes(c.op) && (!plan.match || c.target.includes(plan.match)) && (!plan.whileExists || existsSync(plan.whileExists));
    if (!hit) return original();
    if (plan.partial && c.op === 'writeSync' && !shortened) {
      // a short write first, as the kernel gives when the last blocks run out; the caller's retry gets ENOSPC
      const [fd, data] = c.args as [number, Uint8Array];
      if (data.length > 1) {
        shortened = true;
        return writeSync(fd, data.subarray(0, Math.floor(data.length / 2)));
      }
    }
    shortened = false;
    throw ioError(plan.code, c);
  });
}
