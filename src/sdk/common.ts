import { HerdError } from '../core/errors.js';
import type { SubmitOptions } from './types.js';

/** `task` and `prompt` are the same thing (as in the API); giving two different ones is a mistake. */
export function promptOf(o: SubmitOptions): string | undefined {
  if (o.task !== undefined && o.prompt !== undefined && o.task !== o.prompt) throw new HerdError('usage', 'give "task" or "prompt" (the same thing), not both', 'submit({ agent, prompt })');
  return o.task ?? o.prompt;
}

/** `wait`'s timeout: an Error named TimeoutError (like AbortSignal.timeout's); the job goes on. */
export function timeoutError(id: string, ms: number): Error {
  const e = new Error(`job ${id} had not ended after ${ms} ms (it goes on; wait again or cancel it)`);
  e.name = 'TimeoutError';
  return e;
}

/** `p`, unless the timeout or the signal comes first. */
export function abortable<T>(p: Promise<T>, o: { timeoutMs?: number; signal?: AbortSignal }, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = o.timeoutMs !== undefined ? setTimeout(() => finish(() => reject(onTimeout())), o.timeoutMs) : null;
    const onAbort = () => finish(() => reject(o.signal!.reason ?? new Error('aborted')));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort);
    function finish(f: () => void) {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      f();
    }
    p.then(
      (v) => finish(() => resolve(v)),
      (e) => finish(() => reject(e)),
    );
  });
}
