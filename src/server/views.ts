// Read-only views the dashboard's pages use (schedules, quotas, webhook deliveries):
// core data as JSON, like the CLI's --json of `schedules list`, `quotas list`, `webhooks list`.
import { bucketStatus } from '../core/quota.js';
import { schedulesStatus } from '../core/scheduler/status.js';
import { DELIVERY_STATES, Outbox, type Delivery, type DeliveryState } from '../core/webhook-outbox.js';
import type { ApiContext, ApiRequest } from './handlers.js';
import { badRequest, sendJson } from './http.js';
import { clock } from '../core/clock.js';

export function schedules(ctx: ApiContext, r: ApiRequest): void {
  noParams(r);
  sendJson(r.res, 200, schedulesStatus(ctx.store, ctx.config(), clock.now()));
}

export function quotas(ctx: ApiContext, r: ApiRequest): void {
  noParams(r);
  const now = clock.now();
  const buckets = Object.entries(ctx.config().quotas).map(([name, limits]) => bucketStatus(ctx.store.paths, name, limits, now));
  sendJson(r.res, 200, { buckets });
}

type Row = Omit<Delivery, 'payload' | 'signature' | 'config'> | { jobId: string; status: 'unreadable'; problem: string };

/** ?state=pending|dead|delivered (default all), newest first, ?limit= per state (default 50); `total` counts each state. */
export function webhooks(ctx: ApiContext, r: ApiRequest): void {
  for (const k of r.query.keys()) if (k !== 'state' && k !== 'limit') throw badRequest(`unknown query parameter "${k}"; allowed: state, limit`);
  const state = r.query.get('state');
  if (state && !(DELIVERY_STATES as readonly string[]).includes(state)) throw badRequest(`state must be one of ${DELIVERY_STATES.join(', ')}`);
  const limitText = r.query.get('limit') ?? '50';
  const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1) throw badRequest('limit must be an integer from 1 to 9999');
  const outbox = new Outbox(ctx.store.paths.home);
  const out: Record<string, { total: number; deliveries: Row[] }> = {};
  for (const s of (state ? [state] : DELIVERY_STATES) as DeliveryState[]) {
    const ids = outbox.ids(s);
    const deliveries = ids.slice(0, limit).map((id): Row => {
      const got = outbox.read(s, id);
      if (!got || 'problem' in got) return { jobId: id, status: 'unreadable', problem: got ? got.problem : 'gone' };
      const { payload: _payload, signature: _signature, config: _config, ...row } = got; // the body (job text) and signature stay on disk
      return row;
    });
    out[s] = { total: ids.length, deliveries };
  }
  sendJson(r.res, 200, out);
}

function noParams(r: ApiRequest): void {
  for (const k of r.query.keys()) throw badRequest(`unknown query parameter "${k}"`);
}
