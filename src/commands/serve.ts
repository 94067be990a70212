import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { configFlag } from '../config-flag.js';
import { serve } from '../actions/serve.js';
import { exposedWarning, serveView } from '../render/serve.js';

export default class Serve extends BaseCommand {
  static summary = 'Serve the HTTP API (with live event streams) and the dashboard';
  static description =
    'Another herdctl process over the same files: the CLI keeps working beside it and without it. Every route but /health and the dashboard page needs Authorization: Bearer <token>; the token is generated into <home>/serve.token (mode 0600) on the first start, or taken from $HERDCTL_TOKEN. Requests are logged to stderr (method, route, status, time, job id; never job content). See docs/api.md.';
  static examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 8080 --print-token', 'curl -H "Authorization: Bearer $(cat ~/.herdctl/serve.token)" localhost:7878/jobs'];
  static flags = {
    config: configFlag,
    port: Flags.integer({ description: 'TCP port (0: any free port)', default: 7878, min: 0, max: 65_535 }),
    host: Flags.string({ description: 'address to bind; anything but loopback exposes the API to the network', default: '127.0.0.1' }),
    'print-token': Flags.boolean({ description: 'also print the token (and a dashboard link carrying it)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const { data, view } = await serve(flags, this.ctx(flags.home));
    // listening before the banner: a supervisor that stops us as soon as it reads it finds the handler in place
    const stopped = new Promise<void>((resolve) => {
      // The listeners stay on: a lock library's signal-exit hook re-raises the signal once it sees
      // no other listener, which would kill us mid-close. A second signal quits at once.
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(1);
        stopping = true;
        void view!.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (this.jsonEnabled()) {
      // one line, so a supervising process can read it as soon as the server listens
      process.stdout.write(JSON.stringify(data) + '\n');
    } else {
      this.log(serveView(data!));
      if (view!.exposed) this.warn(exposedWarning(flags.host));
    }
    await stopped;
  }
}
