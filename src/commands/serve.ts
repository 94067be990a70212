import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { configFlag } from '../config-flag.js';
import { loadConfigFor } from '../actions/config.js';
import { Diag } from '../core/diag.js';
import { resolveHome } from '../core/paths.js';
import { loadToken } from '../server/auth.js';
import { startServer } from '../server/server.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export default class Serve extends BaseCommand {
  static summary = 'Serve the HTTP API (with live event streams) and the dashboard';
  static description =
    'Another herdctl process over the same files: the CLI keeps working beside it and without it. Every route but /health and the dashboard page needs Authorization: Bearer <token>; the token is generated into <home>/serve.token (mode 0600) on the first start, or taken from $HERDCTL_TOKEN. Requests are logged to stderr (method, route, status, time, job id; never job content). See docs/api.md.';
  static examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 8080 --print-token', 'curl -H "Authorization: Bearer $(cat ~/.herdctl/serve.token)" localhost:7878/jobs'];
  static flags = {
    config: configFlag,
    port: Flags.integer({ char: 'p', description: 'TCP port (0: any free port)', default: 7878, min: 0, max: 65_535 }),
    host: Flags.string({ description: 'address to bind; anything but loopback exposes the API to the network', default: '127.0.0.1' }),
    'print-token': Flags.boolean({ description: 'also print the token (and a dashboard link carrying it)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const home = resolveHome(flags.home);
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
    const link = `${server.url}/${flags['print-token'] ? `#token=${encodeURIComponent(token.value)}` : ''}`;
    if (this.jsonEnabled()) {
      // one line, so a supervising process can read it as soon as the server listens
      process.stdout.write(JSON.stringify({ url: server.url, port: server.port, dashboard: link, token_source: token.source, ...(flags['print-token'] ? { token: token.value } : {}) }) + '\n');
    } else {
      this.log(`herdctl serve: listening on ${server.url}  (API: docs/api.md)`);
      this.log(`  dashboard: ${link}`);
      this.log(`  token:     ${flags['print-token'] ? token.value : `in ${token.source}`}  (send: Authorization: Bearer <token>)`);
      if (!LOOPBACK.has(flags.host)) this.warn(`bound to ${flags.host}, not loopback: anyone who can reach this port and has the token controls your agents`);
      this.log('  stop with Ctrl-C');
    }
    await new Promise<void>((resolve) => {
      // The listeners stay on: a lock library's signal-exit hook re-raises the signal once it sees
      // no other listener, which would kill us mid-close. A second signal quits at once.
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(1);
        stopping = true;
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }
}
