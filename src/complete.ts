// Shell completion: `herdctl completion bash|zsh|fish` prints a script that
// asks `herdctl __complete <words…>` for the candidates of the last word.
// Commands and flags come from oclif.manifest.json, agents from the config
// (and the built-in ones), job ids from the index (newest first) — without
// loading the command framework: a tab press must be quick.
import { readFileSync } from 'node:fs';

interface FlagDef {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  options?: string[];
}
interface CommandDef {
  id: string;
  hidden?: boolean;
  flags: Record<string, FlagDef>;
  args: Record<string, { name: string }>;
}

const BUILTIN_AGENTS = ['claude', 'codex', 'gemini'];
const RECENT_IDS = 50;

/** The candidates for the last of `words` (the words after `herdctl`; the last may be empty or partial). */
export async function complete(words: string[], manifestUrl: URL): Promise<string[]> {
  const commands: CommandDef[] = Object.values(JSON.parse(readFileSync(manifestUrl, 'utf8')).commands ?? {});
  const visible = commands.filter((c) => !c.hidden);
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  // the longest run of leading words that names a command
  let cmd: CommandDef | undefined;
  let used = 0;
  for (let n = Math.min(before.length, 3); n > 0 && !cmd; n--) {
    cmd = visible.find((c) => c.id === before.slice(0, n).join(':'));
    if (cmd) used = n;
  }
  const match = (xs: string[]) => [...new Set(xs)].filter((x) => x.startsWith(cur)).sort();
  if (!cmd) {
    const depth = before.length;
    const next = visible.map((c) => c.id.split(':')).filter((p) => p.length > depth && p.slice(0, depth).join(':') === before.join(':'));
    return match(next.map((p) => p[depth]));
  }
  const prev = before.at(-1) ?? '';
  const flagOf = (w: string) => Object.values(cmd.flags).find((f) => w === `--${f.name}` || (f.char && w === `-${f.char}`));
  const prevFlag = before.length > used ? flagOf(prev) : undefined;
  if (prevFlag?.type === 'option') {
    if (prevFlag.options) return match(prevFlag.options);
    if (prevFlag.name === 'agent') return match(await agents());
    return [];
  }
  if (cur.startsWith('-')) return match(Object.values(cmd.flags).map((f) => `--${f.name}`));
  const arg = Object.values(cmd.args)[0]?.name;
  if (arg === 'agent') return match(await agents());
  if (arg === 'id') return match(await recentIds());
  return [];
}

async function agents(): Promise<string[]> {
  try {
    const { loadConfigFor } = await import('./actions/config.js');
    return [...Object.keys(loadConfigFor({}).agents), ...BUILTIN_AGENTS];
  } catch {
    return BUILTIN_AGENTS; // a broken config completes nothing of its own
  }
}

async function recentIds(): Promise<string[]> {
  try {
    const [{ JobStore }, { resolveHome }] = await Promise.all([import('./core/store.js'), import('./core/paths.js')]);
    const store = new JobStore(resolveHome(undefined));
    return store.list({ limit: RECENT_IDS }).map((r) => ('job' in r ? r.job.id : r.id));
  } catch {
    return [];
  }
}

/** The script for a shell: it passes the words typed so far to `herdctl __complete`. */
export function completionScript(shell: string): string | null {
  switch (shell) {
    case 'bash':
      return [
        '# herdctl completion for bash: source <(herdctl completion bash)  (or put it in ~/.bashrc)',
        '_herdctl() {',
        "  local IFS=$'\\n'",
        '  COMPREPLY=($(herdctl __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))',
        '}',
        'complete -o default -F _herdctl herdctl',
        '',
      ].join('\n');
    case 'zsh':
      return [
        '#compdef herdctl',
        '# herdctl completion for zsh: source <(herdctl completion zsh)  (or save it as _herdctl on your $fpath)',
        '_herdctl() {',
        '  local -a candidates',
        '  candidates=("${(@f)$(herdctl __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")',
        '  compadd -a candidates',
        '}',
        'compdef _herdctl herdctl',
        '',
      ].join('\n');
    case 'fish':
      return [
        '# herdctl completion for fish: herdctl completion fish > ~/.config/fish/completions/herdctl.fish',
        "complete -c herdctl -f -a '(herdctl __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'",
        '',
      ].join('\n');
    default:
      return null;
  }
}
