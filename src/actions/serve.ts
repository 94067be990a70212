import { Diag } from '../core/diag.js';
import { resolveHome } from '../core/paths.js';
import { loadToken } from '../server/auth.js';
import { startServer } from '../server/server.js';
import { loadConfigFor } from './config.js';
import type { ActionResult, Ctx } from './types.js';

export interface ServeFlags {
  config?: string;
  port: number;
  host: string;
  'print-token'?: boolean;
}

/** What `serve --json` prints once the server listens. */
export interface ServeInfo {
  url: string;
  port: number;
  dashboard: string;
  token_source: string;
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts the API server; it runs until the caller closes it (the view carries `close`). */
export async function serve(flags: ServeFlags, ctx: Ctx): Promise<ActionResult<ServeInfo, { token: string; exposed: boolean; close: () => Promise<void> }>> {
  const home = resolveHome(ctx.home);
  loadConfigFor({ config: flags.config, home }); // a bad config is reported now, not at the first submission
  const token = loadToken(home);
  const server = await startServer({
    home,
    host: flags.host,
    port: flags.port,
    token: token.value,
    config: () => loadConfigFor({ config: flags.config, home }),
    diag: new Diag(process.env.HERDCTL_LOG_FILE ?? null, process.env.HERDCTL_LOG ?? 'info'),
  });
  const printToken = !!flags['print-token'];
  const dashboard = `${server.url}/${printToken ? `#token=${encodeURIComponent(token.value)}` : ''}`;
  return {
    data: { url: server.url, port: server.port, dashboard, token_source: token.source, ...(printToken ? { token: token.value } : {}) },
    view: { token: token.value, exposed: !LOOPBACK.has(flags.host), close: () => server.close() },
  };
}
