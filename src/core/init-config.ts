// The herdctl.yaml `herdctl init` writes: a pure function of what was found on
// this machine, so it is tested by reading it back with our own loader.
import type { ProviderInfo } from './providers.js';

/** What `herdctl init` reports: the file written and what was found on the PATH. */
export interface InitResult {
  file: string;
  agents: ProviderInfo[];
}

/** A commented starting config: one agent per runtime CLI found on the PATH (else a claude one to edit), one example schedule, the jobs block. */
export function initConfigText(found: readonly ProviderInfo[], workspace: string): string {
  const available = found.filter((p) => p.available).map((p) => p.name);
  const agents = available.length ? available : ['claude'];
  const lines = [
    '# herdctl.yaml — written by `herdctl init`. Every key: README.md ("Configuration").',
    '# Check it with `herdctl agents list`; run a job with `herdctl run <agent> --prompt "…" --wait`.',
    '',
    'agents:',
  ];
  agents.forEach((runtime, i) => {
    lines.push(
      `  ${runtime}:`,
      `    runtime: ${runtime}               # claude | codex | gemini | command`,
      `    workspace: ${JSON.stringify(workspace)}   # where the agent works`,
      '    # model: …                    # the CLI picks its default when unset',
      '    timeout: 30m                  # wall clock; the job ends failed/timeout',
      '    max_concurrent: 1             # jobs of this agent at once',
      '    # retries: 2                  # re-run after an API 5xx/overload (docs/workflows.md)',
      '    # isolation: worktree         # a git worktree per job, on branch herdctl/<job-id>',
    );
    if (i === 0) {
      lines.push(
        '    # schedules:                  # `herdctl start` fires them (docs/scheduler.md)',
        '    #   weekday-review:',
        '    #     cron: "0 9 * * 1-5"',
        '    #     timezone: Europe/Berlin',
        '    #     prompt: Review the open TODOs and list the three most urgent',
      );
    }
  });
  if (!available.length) lines.push('    # no claude, codex or gemini CLI was found on the PATH: install one, or set claude_bin:');
  lines.push('', 'jobs:', '  max_concurrent: 4              # jobs at once across all agents (0: unlimited)', '  cancel_grace: 30s              # SIGINT, then SIGTERM, then SIGKILL after this', '');
  return lines.join('\n');
}
