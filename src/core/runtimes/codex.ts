/**
 * The `codex` runtime: the OpenAI Codex CLI headless (`codex exec --json … -`, prompt on stdin).
 *
 * Line → event mapping (shapes as in fixtures/transcripts/codex-0.169.0):
 *   thread.started                      → output {kind:'init', sessionId}      (the thread id is the session)
 *   turn.started                        → output {kind:'turn_started'}
 *   item.started  command_execution,
 *     file_change, mcp_tool_call,
 *     web_search                        → tool_use {tool: item type (mcp: "mcp:<server>/<tool>"), id: item id, input}
 *   item.completed of those             → tool_result {id, is_error, content ≤ 4 KiB, exitCode?} (a tool_use first when
 *                                         no item.started came: sandbox-denied commands sometimes lack it)
 *   item.completed agent_message        → output {text, itemId}
 *   item.completed reasoning            → output {kind:'thinking', text, itemId}
 *   item.* todo_list                    → output {kind:'todo_list', items}
 *   item.completed error                → error {kind:'warning', fatal:false, message}   (e.g. unknown model metadata)
 *   error                               → error {kind:'api_retry' | 'api_error', fatal:false, message}: not the end; turn.failed is
 *   turn.completed                      → output {kind:'result', subtype:'success'}; usage from it
 *   turn.failed                         → error {kind:'turn_failed', fatal:true, message}
 *   anything else                       → output {kind:'raw', raw}
 *   non-JSON stdout / stderr            → output {text} / output {stream:'stderr', text}
 *
 * Traps from the transcripts: item ids restart at item_0 every run; usage is cumulative over the thread, across
 * resumed runs (this job's share is its totals minus those at the end of the job it resumed); no cost is
 * reported; a signal ends the run with no closing line (exit 1 on SIGINT, 143 on SIGTERM), so the outcome of a
 * cancel comes from what the runner did; the CLI waits for EOF on a piped stdin, so the prompt is written there
 * and stdin closed; without a git repository it refuses to run unless given --skip-git-repo-check.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EventDraft, Usage } from '../events.js';
import { HerdError } from '../errors.js';
import {
  asNum,
  asObj,
  clip,
  clipped,
  describeExit,
  DETAIL_MAX,
  jsonObject,
  optPositiveInt,
  optString,
  programFor,
  rawEvent,
  short,
  shrink,
  stoppedOutcome,
  stringMap,
  TEXT_MAX,
  textLine,
  type Obj,
} from './shared.js';
import { isTransient } from './transient.js';
import type { ExitInfo, LaunchInput, LaunchSpec, ModelTokens, Outcome, OutputParser, ParserContext, Runtime, TokenTotals } from './types.js';

const TOOL_ITEMS = new Set(['command_execution', 'file_change', 'mcp_tool_call', 'web_search']);
const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** The model codex 0.169.0 uses when none is configured (its transcripts' default). */
const DEFAULT_MODEL = 'gpt-6.1-sol';
/** stderr lines that say nothing about a failure. */
const STDERR_NOISE = /^Reading additional input from stdin/;

const ZERO: TokenTotals = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0 };

export class CodexParser implements OutputParser {
  private session: string | null = null;
  private readonly started = new Set<string>();
  private readonly model: string;
  private readonly maxTurns: number | null;
  private readonly prior: TokenTotals;
  private toolCalls = 0;
  private limit: string | null = null;
  /** The thread's totals from the last turn.completed. */
  totals: TokenTotals | null = null;
  completed = false;
  failed: string | null = null;
  lastText: string | null = null;
  lastStderr: string | null = null;

  constructor(ctx: ParserContext = {}) {
    const agent = ctx.agent ?? {};
    this.model = typeof agent.model === 'string' && agent.model ? agent.model : DEFAULT_MODEL;
    this.maxTurns = Number.isInteger(agent.max_turns) && (agent.max_turns as number) > 0 ? (agent.max_turns as number) : null;
    this.prior = ctx.priorTotals ?? ZERO;
  }

  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[] {
    try {
      if (stream === 'stderr') return this.stderrLine(text);
      if (text.trim() === '') return [];
      const m = jsonObject(text);
      return m ? this.message(m) : [textLine(text, 'stdout')];
    } catch {
      return [textLine(text, stream)]; // a shape no handler foresaw: keep the text, never fail the job over it
    }
  }

  sessionId(): string | null {
    return this.session;
  }

  /** This job's share of the thread's cumulative totals. */
  usage(): Usage | null {
    if (!this.totals) return null;
    const t = this.totals;
    const p = this.prior;
    // a total below the prior one means the thread was not the one the prior totals came from: count it whole
    const share = (k: keyof TokenTotals) => (t[k] >= p[k] ? t[k] - p[k] : t[k]);
    return {
      inputTokens: share('inputTokens'),
      outputTokens: share('outputTokens'),
      cacheReadTokens: share('cacheReadTokens'),
      cacheCreationTokens: share('cacheCreationTokens'),
      costUsd: null, // codex reports none: the runner estimates it
      turns: null,
    };
  }

  modelTokens(): ModelTokens[] {
    const u = this.usage();
    return u ? [{ model: this.model, inputTokens: u.inputTokens, outputTokens: u.outputTokens, cacheReadTokens: u.cacheReadTokens, cacheCreationTokens: u.cacheCreationTokens }] : [];
  }

  sessionTotals(): TokenTotals | null {
    return this.totals;
  }

  limitReached(): string | null {
    return this.limit;
  }

  summary(): string | null {
    return this.lastText === null ? null : clip(this.lastText, TEXT_MAX).text;
  }

  private stderrLine(text: string): EventDraft[] {
    const t = text.trim();
    if (t !== '' && !STDERR_NOISE.test(t)) this.lastStderr = clip(t, DETAIL_MAX).text;
    return [textLine(text, 'stderr')];
  }

  private message(m: Obj): EventDraft[] {
    switch (m.type) {
      case 'thread.started':
        if (typeof m.thread_id === 'string' && m.thread_id) this.session = m.thread_id;
        // codex names no model in its output: the configured one (or its default) is what it runs
        return [{ type: 'output', kind: 'init', sessionId: short(m.thread_id), model: this.model }];
      case 'turn.started':
        return [{ type: 'output', kind: 'turn_started', text: 'turn started' }];
      case 'turn.completed':
        this.completed = true;
        this.totals = totalsOf(asObj(m.usage));
        return [{ type: 'output', kind: 'result', subtype: 'success', text: 'turn completed' }];
      case 'turn.failed': {
        const message = errorText(asObj(m.error)?.message) ?? 'turn failed';
        this.failed = message;
        return [{ type: 'error', kind: 'turn_failed', fatal: true, ...clipped('message', message, DETAIL_MAX) }];
      }
      case 'error': {
        const message = errorText(m.message) ?? 'error';
        const kind = /^Reconnecting\b/.test(message) ? 'api_retry' : 'api_error';
        return [{ type: 'error', kind, fatal: false, ...clipped('message', message, DETAIL_MAX) }];
      }
      case 'item.started':
      case 'item.updated':
      case 'item.completed': {
        const item = asObj(m.item);
        return item ? this.item(m.type, item) : [rawEvent(m)];
      }
      default:
        return [rawEvent(m)];
    }
  }

  private item(phase: 'item.started' | 'item.updated' | 'item.completed', item: Obj): EventDraft[] {
    const id = short(item.id);
    const type = typeof item.type === 'string' ? item.type : '';
    if (TOOL_ITEMS.has(type)) {
      if (phase === 'item.started') return [this.toolUse(item, id)];
      if (phase === 'item.updated') return [];
      const events = id !== undefined && this.started.has(id) ? [] : [this.toolUse(item, id)];
      return [...events, toolResult(item, id)];
    }
    if (type === 'todo_list') {
      const { value, truncated } = shrink(item.items ?? []);
      return [{ type: 'output', kind: 'todo_list', items: value, itemId: id, ...(truncated ? { truncated } : {}) }];
    }
    if (phase !== 'item.completed') return [rawEvent({ phase, item })];
    if (type === 'agent_message' && typeof item.text === 'string') {
      if (item.text.trim() !== '') this.lastText = item.text;
      return [{ type: 'output', ...clipped('text', item.text, TEXT_MAX), itemId: id }];
    }
    if (type === 'reasoning' && typeof item.text === 'string') return [{ type: 'output', kind: 'thinking', ...clipped('text', item.text, TEXT_MAX), itemId: id }];
    if (type === 'error') return [{ type: 'error', kind: 'warning', fatal: false, message: short(item.message) ?? 'warning', itemId: id }];
    return [rawEvent({ phase, item })];
  }

  private toolUse(item: Obj, id: string | undefined): EventDraft {
    if (id !== undefined) this.started.add(id);
    this.toolCalls++;
    if (this.maxTurns !== null && this.toolCalls > this.maxTurns && this.limit === null) {
      this.limit = `max_turns reached: a tool call beyond the ${this.maxTurns} allowed (max_turns); stopped by herdctl`;
    }
    const type = String(item.type);
    const { value: input, truncated } = shrink(toolInput(type, item));
    const tool = type === 'mcp_tool_call' ? `mcp:${short(item.server) ?? '?'}/${short(item.tool) ?? '?'}` : type;
    return { type: 'tool_use', tool, id, input, ...(truncated ? { truncated } : {}) };
  }
}

function toolInput(type: string, item: Obj): unknown {
  switch (type) {
    case 'command_execution':
      return { command: item.command };
    case 'file_change':
      return { changes: item.changes };
    case 'mcp_tool_call':
      return { server: item.server, tool: item.tool, arguments: item.arguments };
    case 'web_search':
      return { query: item.query };
    default:
      return {};
  }
}

function toolResult(item: Obj, id: string | undefined): EventDraft {
  const exitCode = asNum(item.exit_code);
  const isError = item.status === 'failed' || item.status === 'declined' || (exitCode !== undefined && exitCode !== 0);
  let content = '';
  if (typeof item.aggregated_output === 'string') content = item.aggregated_output;
  else if (item.type === 'file_change') content = Array.isArray(item.changes) ? item.changes.map((c) => `${asObj(c)?.kind ?? '?'} ${asObj(c)?.path ?? '?'}`).join('\n') : '';
  else if (item.error !== undefined && item.error !== null) content = errorText(asObj(item.error)?.message ?? item.error) ?? '';
  else if (item.result !== undefined) content = typeof item.result === 'string' ? item.result : JSON.stringify(item.result);
  const event: EventDraft = { type: 'tool_result', id, is_error: isError, ...clipped('content', content, DETAIL_MAX) };
  if (exitCode !== undefined) event.exitCode = exitCode;
  return event;
}

/** A string, or the JSON error body the CLI passes on as one (`{"error":{"message":…}}`). */
function errorText(v: unknown): string | null {
  if (typeof v !== 'string') return v === undefined || v === null ? null : JSON.stringify(v);
  const body = v.startsWith('{') ? jsonObject(v) : null;
  const inner = asObj(body?.error);
  if (inner && typeof inner.message === 'string') return [inner.message, inner.type ?? inner.code].filter(Boolean).join(' ');
  return v;
}

function totalsOf(u: Obj | null): TokenTotals {
  const n = (k: string) => asNum(u?.[k]) ?? 0;
  const cached = n('cached_input_tokens');
  // OpenAI counts cached input inside input_tokens; herdctl's inputTokens are the uncached ones, as Claude reports them
  return { inputTokens: Math.max(0, n('input_tokens') - cached), outputTokens: n('output_tokens'), cacheReadTokens: cached, cacheCreationTokens: n('cache_write_input_tokens') };
}

function outcome(parser: OutputParser, exit: ExitInfo): Outcome {
  if (!(parser instanceof CodexParser)) throw new HerdError('internal', 'the codex runtime was given a parser it did not make');
  const summary = parser.summary();
  const stopped = stoppedOutcome(exit, summary);
  if (stopped) return stopped;
  if (parser.completed && !parser.failed) return { status: 'completed', exitReason: 'success', error: null, summary };
  if (parser.failed) {
    return { status: 'failed', exitReason: 'error', error: clip(`codex turn failed: ${parser.failed}`, DETAIL_MAX).text, summary, transient: isTransient({ text: parser.failed }) };
  }
  const stderr = parser.lastStderr ? `: ${parser.lastStderr}` : '';
  const why = /no rollout found for thread id/.test(parser.lastStderr ?? '')
    ? 'codex could not resume the session (unknown to this CODEX_HOME)'
    : `codex ${describeExit(exit)} without finishing its turn`;
  return { status: 'failed', exitReason: 'error', error: clip(`${why}${stderr}`, DETAIL_MAX).text, summary, transient: isTransient({ text: parser.lastStderr }) };
}

/** Whether `dir` lies in a git work tree (codex refuses to run elsewhere without --skip-git-repo-check). */
function inGitRepo(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}

/** `codex_config` values as `-c key=value` overrides; codex parses each value as TOML, so strings are quoted. */
function configOverrides(agent: Obj): string[] {
  const c = agent.codex_config;
  if (c === undefined || c === null) return [];
  const o = asObj(c);
  if (!o) throw new HerdError('config', 'agent `codex_config` must be a mapping of codex config keys to values');
  return Object.entries(o).flatMap(([k, v]) => ['-c', `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`]);
}

function launch(input: LaunchInput): LaunchSpec {
  const { agent } = input;
  const argv = [programFor(agent, 'codex'), 'exec', '--json'];
  const model = optString(agent, 'model');
  if (model) argv.push('--model', model);
  const sandbox = optString(agent, 'sandbox');
  if (sandbox !== undefined) {
    if (!(SANDBOXES as readonly string[]).includes(sandbox)) throw new HerdError('config', `agent \`sandbox\` must be one of ${SANDBOXES.join(', ')}`);
    argv.push('--sandbox', sandbox);
  }
  optPositiveInt(agent, 'max_turns'); // checked here, enforced by the parser (codex exec has no turn limit)
  argv.push(...configOverrides(agent));
  if (!inGitRepo(input.workspace)) argv.push('--skip-git-repo-check');
  if (input.resumeSessionId) argv.push('resume', input.resumeSessionId);
  argv.push('-'); // the prompt comes on stdin: no argv size limit, and codex would wait for stdin's EOF anyway
  // RUST_BACKTRACE would add a backtrace to every set-up error
  return { argv, cwd: input.workspace, env: { ...stringMap(agent.env, 'env'), RUST_BACKTRACE: '0' }, stdin: input.prompt };
}

export const codexRuntime: Runtime = {
  name: 'codex',
  configKeys: (k) => ({
    codex_bin: k.text(),
    sandbox: k.oneOf([...SANDBOXES]),
    max_turns: k.posInt(),
    codex_config: k.z.record(k.z.string(), k.z.union([k.z.string(), k.z.number(), k.z.boolean()]), {
      errorMap: () => ({ message: 'expected a mapping of codex config keys to strings, numbers or booleans' }),
    }),
  }),
  sessions: 'reported',
  defaultPrompt: null,
  defaultProgram: 'codex',
  defaultModel: DEFAULT_MODEL,
  recapFiles: (tool, input) => {
    const changes = asObj(input)?.changes;
    if (tool !== 'file_change' || !Array.isArray(changes)) return [];
    return changes.map((c) => asObj(c)?.path).filter((p): p is string => typeof p === 'string');
  },
  launch,
  parser: (ctx) => new CodexParser(ctx),
  outcome,
};
