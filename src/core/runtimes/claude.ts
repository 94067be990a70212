/**
 * The `claude` runtime: Claude Code headless (`claude -p --output-format stream-json --verbose`).
 *
 * Line → event mapping (docs/formats.md; shapes as in fixtures/transcripts/claude-code-*):
 *   system/init               → output {kind:'init', sessionId, model, cwd, permissionMode, toolCount, version}
 *   assistant text block      → output {text, messageId}
 *   assistant thinking block  → output {kind:'thinking', text, messageId}
 *   assistant tool_use block  → tool_use {tool, id, input, messageId}   (docs/formats.md names)
 *   assistant API error       → error {kind:'api_error', fatal:true, message, status}
 *   user tool_result block    → tool_result {id, is_error, content (≤ 4 KiB), truncated?}
 *   user text                 → output {kind:'user', text}   ("[Request interrupted by user]")
 *   system/permission_denied  → error {kind:'permission_denied', fatal:false, tool, toolUseId, message}
 *   system/api_retry          → error {kind:'api_retry', fatal:false, message, attempt, maxRetries, …}
 *   system/status, task_*     → output {kind:<subtype>, …}
 *   stream_event              → nothing: partial-message deltas repeat what the full assistant lines carry
 *   result                    → output {kind:'result', subtype, isError, terminalReason, text}; usage and outcome come from it
 *   anything else             → output {kind:'raw', raw} (strings, arrays and nesting cut down)
 *   non-JSON stdout / stderr  → output {text} / output {stream:'stderr', text}
 * Subagent lines also carry `parentToolUseId`. Long strings are cut and flagged `truncated`.
 */
import type { EventDraft, Usage } from '../events.js';
import { HerdError } from '../errors.js';
import {
  ARG_PROMPT_MAX,
  asNum,
  asObj,
  clip,
  clipped,
  describeExit,
  DETAIL_MAX,
  filesUnder,
  optPositiveInt,
  optString,
  programFor,
  rawEvent,
  short,
  shrink,
  stoppedOutcome,
  stringMap,
  strings,
  TEXT_MAX,
  textLine,
  type Obj,
} from './shared.js';
import { isTransient } from './transient.js';
import type { ExitInfo, LaunchInput, LaunchSpec, Outcome, OutputParser, Runtime } from './types.js';

/** tool_result content is a string or a list of blocks (text, image, …); logs want text. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content
    .map((b) => {
      const block = asObj(b);
      if (block?.type === 'text' && typeof block.text === 'string') return block.text;
      if (block?.type === 'image') return '[image]';
      return JSON.stringify(b);
    })
    .join('\n');
}

/** Adds `parentToolUseId` only to subagent lines, so ordinary events stay small. */
function withParent(event: EventDraft, parent: string | undefined): EventDraft {
  return parent ? { ...event, parentToolUseId: parent } : event;
}

/** Parses one run's stream-json; keeps what the outcome needs (result line, last words, last stderr line). */
export class ClaudeParser implements OutputParser {
  private session: string | null = null;
  /** The last `result` line; its absence means the run never finished its turn. */
  result: Obj | null = null;
  /** Last top-level assistant text: the summary when the result line has none. */
  lastText: string | null = null;
  lastStderr: string | null = null;
  /** The last failed API call the CLI reported (its synthetic assistant message). */
  apiError: { status?: number; type?: string; text: string } | null = null;

  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[] {
    try {
      return stream === 'stderr' ? this.stderrLine(text) : this.stdoutLine(text);
    } catch {
      return [textLine(text, stream)]; // a shape no handler foresaw: keep the text, never fail the job over it
    }
  }

  sessionId(): string | null {
    return this.session;
  }

  usage(): Usage | null {
    if (!this.result) return null;
    const u = asObj(this.result.usage) ?? {};
    return {
      inputTokens: asNum(u.input_tokens) ?? 0,
      outputTokens: asNum(u.output_tokens) ?? 0,
      cacheReadTokens: asNum(u.cache_read_input_tokens) ?? 0,
      cacheCreationTokens: asNum(u.cache_creation_input_tokens) ?? 0,
      costUsd: asNum(this.result.total_cost_usd) ?? null,
      turns: asNum(this.result.num_turns) ?? null,
    };
  }

  /** Final result text, else the last thing the agent said. */
  summary(): string | null {
    const text = typeof this.result?.result === 'string' ? this.result.result : this.lastText;
    return text === null ? null : clip(text, TEXT_MAX).text;
  }

  private stderrLine(text: string): EventDraft[] {
    const event = textLine(text, 'stderr');
    if (text.trim() !== '') this.lastStderr = clip(text.trim(), DETAIL_MAX).text;
    return [event];
  }

  private stdoutLine(text: string): EventDraft[] {
    if (text.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [textLine(text, 'stdout')];
    }
    const m = asObj(value);
    return m ? this.message(m) : [textLine(text, 'stdout')];
  }

  private message(m: Obj): EventDraft[] {
    this.noteSession(m);
    switch (m.type) {
      case 'system':
        return this.system(m);
      case 'assistant':
        return this.assistant(m);
      case 'user':
        return this.user(m);
      case 'result':
        return [this.resultLine(m)];
      case 'stream_event':
        return [];
      default:
        return [rawEvent(m)];
    }
  }

  /** init and result name the session authoritatively; any other line fills it in until then. */
  private noteSession(m: Obj): void {
    if (typeof m.session_id !== 'string' || m.session_id === '') return;
    if (this.session === null || m.type === 'result' || (m.type === 'system' && m.subtype === 'init')) this.session = m.session_id;
  }

  private system(m: Obj): EventDraft[] {
    switch (m.subtype) {
      case 'init':
        return [
          {
            type: 'output',
            kind: 'init',
            sessionId: short(m.session_id),
            model: short(m.model),
            cwd: short(m.cwd),
            permissionMode: short(m.permissionMode),
            toolCount: Array.isArray(m.tools) ? m.tools.length : undefined,
            version: short(m.claude_code_version),
          },
        ];
      case 'permission_denied':
        return [
          {
            type: 'error',
            kind: 'permission_denied',
            fatal: false,
            tool: short(m.tool_name),
            toolUseId: short(m.tool_use_id),
            message: short(m.message) ?? 'permission denied',
          },
        ];
      case 'api_retry':
        return [this.apiRetry(m)];
      case 'status':
        return [{ type: 'output', kind: 'status', status: short(m.status) }];
    }
    if (typeof m.subtype === 'string' && m.subtype.startsWith('task_')) {
      return [
        {
          type: 'output',
          kind: short(m.subtype),
          taskId: short(m.task_id),
          toolUseId: short(m.tool_use_id),
          taskType: short(m.task_type),
          status: short(m.status),
          description: short(m.description),
          summary: short(m.summary),
        },
      ];
    }
    return [rawEvent(m)];
  }

  private apiRetry(m: Obj): EventDraft {
    const status = asNum(m.error_status);
    const attempt = asNum(m.attempt);
    const maxRetries = asNum(m.max_retries);
    const what = [status, short(m.error)].filter((x) => x !== undefined).join(' ') || 'unknown error';
    const message = `API request failed (${what}); retry ${attempt ?? '?'} of ${maxRetries ?? '?'}`;
    return { type: 'error', kind: 'api_retry', fatal: false, message, status, attempt, maxRetries, retryDelayMs: asNum(m.retry_delay_ms) };
  }

  private assistant(m: Obj): EventDraft[] {
    const message = asObj(m.message);
    const messageId = short(message?.id);
    const parent = short(m.parent_tool_use_id);
    const content = typeof message?.content === 'string' ? [{ type: 'text', text: message.content }] : message?.content;
    const blocks = Array.isArray(content) ? content : [];
    if (m.is_api_error_message === true || typeof m.error === 'string') {
      // The CLI turns a failed API call into a synthetic assistant message; it is the run's fatal error.
      const text = contentText(blocks) || short(m.error) || 'API error';
      this.apiError = { status: asNum(m.api_error_status), type: short(m.api_error_type), text };
      return [{ type: 'error', kind: 'api_error', fatal: true, ...clipped('message', text, DETAIL_MAX), status: asNum(m.api_error_status), messageId }];
    }
    if (blocks.length === 0) return [rawEvent(m)];
    return blocks.map((b) => withParent(this.assistantBlock(b, messageId, parent === undefined), parent));
  }

  private assistantBlock(b: unknown, messageId: string | undefined, topLevel: boolean): EventDraft {
    const block = asObj(b);
    if (block?.type === 'text' && typeof block.text === 'string') {
      if (topLevel && block.text.trim() !== '') this.lastText = block.text;
      return { type: 'output', ...clipped('text', block.text, TEXT_MAX), messageId };
    }
    if (block?.type === 'tool_use') {
      const input = shrink(block.input ?? {});
      const event: EventDraft = { type: 'tool_use', tool: short(block.name), id: short(block.id), input: input.value, messageId };
      return input.truncated ? { ...event, truncated: true } : event;
    }
    if (block?.type === 'thinking' && typeof block.thinking === 'string') {
      return { type: 'output', kind: 'thinking', ...clipped('text', block.thinking, TEXT_MAX), messageId };
    }
    return rawEvent(b);
  }

  private user(m: Obj): EventDraft[] {
    const content = asObj(m.message)?.content;
    const parent = short(m.parent_tool_use_id);
    if (typeof content === 'string') return [withParent({ type: 'output', kind: 'user', ...clipped('text', content, TEXT_MAX) }, parent)];
    if (!Array.isArray(content) || content.length === 0) return [rawEvent(m)];
    return content.map((b) => withParent(this.userBlock(b), parent));
  }

  private userBlock(b: unknown): EventDraft {
    const block = asObj(b);
    if (block?.type === 'tool_result') {
      const content = clipped('content', contentText(block.content), DETAIL_MAX);
      return { type: 'tool_result', id: short(block.tool_use_id), is_error: block.is_error === true, ...content };
    }
    if (block?.type === 'text' && typeof block.text === 'string') return { type: 'output', kind: 'user', ...clipped('text', block.text, TEXT_MAX) };
    return rawEvent(b);
  }

  private resultLine(m: Obj): EventDraft {
    this.result = m;
    const text = typeof m.result === 'string' ? m.result : strings(m.errors).join('\n');
    return {
      type: 'output',
      kind: 'result',
      subtype: short(m.subtype),
      isError: m.is_error === true,
      terminalReason: short(m.terminal_reason),
      ...clipped('text', text, TEXT_MAX),
    };
  }
}

/** Why a result line counts as a failure, in words a user can act on. */
function resultError(r: Obj): string {
  const errors = strings(r.errors).join('; ');
  const text = typeof r.result === 'string' ? r.result : '';
  const reason = short(r.terminal_reason);
  const status = asNum(r.api_error_status);
  let error: string;
  if (status !== undefined) error = `API error ${status}: ${text || errors || short(r.api_error_type) || 'no details'}`;
  else if (reason?.startsWith('aborted')) error = `claude was interrupted (${reason})`;
  else error = `${short(r.subtype) ?? 'error'}: ${errors || text || 'no details'}`;
  return clip(error, DETAIL_MAX).text;
}

/**
 * A failed result is worth a retry only when an API call failed transiently
 * (500/529/429, overloaded, rate limited, connection dropped); max turns, a
 * bad request, a lost session and interrupts are not.
 */
function resultTransient(r: Obj, apiError: ClaudeParser['apiError']): boolean {
  const status = asNum(r.api_error_status);
  if (status !== undefined || r.api_error_type !== undefined) return isTransient({ status, type: short(r.api_error_type) });
  if (apiError) return isTransient(apiError);
  if (r.terminal_reason === 'api_error') return isTransient({ text: strings(r.errors).join('\n') || (typeof r.result === 'string' ? r.result : '') });
  return false;
}

function outcome(parser: OutputParser, exit: ExitInfo): Outcome {
  if (!(parser instanceof ClaudeParser)) throw new HerdError('internal', 'the claude runtime was given a parser it did not make');
  const summary = parser.summary();
  const stopped = stoppedOutcome(exit, summary);
  if (stopped) return stopped;
  const r = parser.result;
  // The exit code says little (0 after an interrupt, 1 after max turns): the result line decides.
  if (r?.subtype === 'success' && r.is_error !== true) return { status: 'completed', exitReason: 'success', error: null, summary };
  if (r) return { status: 'failed', exitReason: 'error', error: resultError(r), summary, transient: resultTransient(r, parser.apiError) };
  const stderr = parser.lastStderr ? `: ${parser.lastStderr}` : '';
  // killed mid-call (a crash, a dropped connection): transient only if the CLI said the API failed that way
  const transient = isTransient(parser.apiError ?? { text: parser.lastStderr });
  return { status: 'failed', exitReason: 'error', error: `claude ${describeExit(exit)} without a result${stderr}`, summary, transient };
}

/** `allowed_tools` as the CLI's single comma-separated value (the flag is variadic, so one value keeps argv unambiguous). */
function toolList(agent: Obj): string | undefined {
  const v = agent.allowed_tools;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((t) => typeof t === 'string')) return v.join(',');
  throw new HerdError('config', 'agent `allowed_tools` must be a list of tool names');
}

function launch(input: LaunchInput): LaunchSpec {
  const { agent, prompt } = input;
  // The CLI would read a prompt starting with "-" (a Markdown list, say) as a flag, and argv strings have a size limit.
  const viaStdin = prompt.startsWith('-') || Buffer.byteLength(prompt) > ARG_PROMPT_MAX;
  const argv = [programFor(agent, 'claude'), '-p', ...(viaStdin ? [] : [prompt]), '--output-format', 'stream-json', '--verbose'];
  const flag = (name: string, value: string | undefined): void => {
    if (value !== undefined) argv.push(name, value);
  };
  flag('--model', optString(agent, 'model'));
  flag('--permission-mode', optString(agent, 'permission_mode'));
  flag('--allowedTools', toolList(agent));
  flag('--max-turns', optPositiveInt(agent, 'max_turns'));
  flag('--append-system-prompt', optString(agent, 'system_prompt'));
  if (typeof agent.max_budget_usd === 'number') flag('--max-budget-usd', String(agent.max_budget_usd));
  if (input.resumeSessionId) argv.push('--resume', input.resumeSessionId);
  else argv.push('--session-id', input.sessionId);
  const spec: LaunchSpec = { argv, cwd: input.workspace };
  const env = stringMap(agent.env, 'env');
  if (Object.keys(env).length > 0) spec.env = env;
  if (viaStdin) spec.stdin = prompt;
  return spec;
}

export const claudeRuntime: Runtime = {
  name: 'claude',
  configKeys: (k) => ({
    claude_bin: k.text(),
    permission_mode: k.oneOf(['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk']),
    allowed_tools: k.stringList('a list of tool names'),
    max_turns: k.posInt(),
    system_prompt: k.text(),
  }),
  sessions: 'minted',
  defaultPrompt: null,
  defaultProgram: 'claude',
  recapFiles: (_tool, input) => filesUnder(input, ['file_path', 'path', 'notebook_path']),
  nativeBudget: true,
  launch,
  parser: () => new ClaudeParser(),
  outcome,
};
