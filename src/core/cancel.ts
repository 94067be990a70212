import { createExclusive, readIfExists } from './fsx.js';
import type { JobStore } from './store.js';

export interface CancelRequest {
  reason: string | null;
  requestedAt: string;
  by: { pid: number; host: string };
}

/** A cancel request is a file in the job's directory; the job's runner obeys it. First request wins. */
export function requestCancel(store: JobStore, id: string, req: CancelRequest): boolean {
  return createExclusive(store.paths.cancelFile(id), JSON.stringify(req) + '\n');
}

export function readCancelRequest(store: JobStore, id: string): CancelRequest | null {
  const text = readIfExists(store.paths.cancelFile(id));
  if (text === null) return null;
  try {
    return JSON.parse(text) as CancelRequest;
  } catch {
    return { reason: null, requestedAt: '', by: { pid: 0, host: '' } }; // unparseable (written by hand): still a request, without a reason
  }
}
