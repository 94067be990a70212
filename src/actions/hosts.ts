import { listHosts, type HostsReport } from '../core/hosts.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';

/** `herdctl hosts`: every host of the state dir, its leases and running jobs. */
export function hosts(flags: { 'no-headers'?: boolean }, ctx: Ctx): ActionResult<HostsReport, { headers: boolean }> {
  return { data: listHosts(new JobStore(resolveHome(ctx.home))), view: { headers: !flags['no-headers'] } };
}
