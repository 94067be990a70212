/** `serve`: where it listens, the dashboard link, where the token is. */
export function serveView(s: { url: string; dashboard: string; token_source: string; token?: string }): string {
  return [
    `herdctl serve: listening on ${s.url}  (API: docs/api.md)`,
    `  dashboard: ${s.dashboard}`,
    `  token:     ${s.token ?? `in ${s.token_source}`}  (send: Authorization: Bearer <token>)`,
    '  stop with Ctrl-C',
  ].join('\n');
}

export const exposedWarning = (host: string): string => `bound to ${host}, not loopback: anyone who can reach this port and has the token controls your agents`;
