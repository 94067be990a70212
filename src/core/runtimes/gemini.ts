/**
 * The `gemini` runtime: the Gemini CLI headless (`gemini -o stream-json …`, prompt on stdin).
 *
 * Line → event mapping (shapes as in fixtures/transcripts/gemini-cli-0.61.0):
 *   init                          → output {kind:'init', sessionId, model}
 *   message role:user             → output {kind:'user', text}   (the prompt echoed)
 *   message role:assistant delta  → joined until the next other line: one output {text}
 *   tool_use                      → tool_use {tool: tool_name, id: tool_id, input: parameters}
 *   tool_result                   → tool_result {id, is_error: status "error", content: output or error message, errorType?}
 *   error                         → error {kind: severity, fatal:false, message}   (warnings such as loop detection)
 *   result                        → output {kind:'result', subtype: status, errorType?, text?}; usage and outcome come from it
 *   anything else                 → output {kind:'raw', raw}
 *   non-JSON stdout / stderr      → output {text} / output {stream:'stderr', text}
 *
 * Traps from the transcripts: the launcher ignores SIGINT/SIGTERM to its pid (the runner signals the group); a
 * cancelled run exits 0 with no `result` line, so exit 0 without a result is an interruption, not a success;
 * shell tools run in their own process group and outlive the CLI (the runner kills them by their
 * HERDCTL_JOB_ID); the session cleanup may delete a session resumed in a later minute (this runtime turns
 * retention off in a system settings file of the job's own, in the 0700 job directory: Gemini ignores one
 * under a world-writable directory); a turn limit exists only as a setting (model.maxSessionTurns); an API
 * error exits with its HTTP status mod 256; no cost is reported.
 */
import type { EventDraft, Usage } from '../events.js';
import { HerdError } from '../errors.js';
import {
  asNum,
  asObj,
  clip,
  clipped,
  describeExit,
  DETAIL_MAX,
  filesUnder,
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
import type { ExitInfo, LaunchInput, LaunchSpec, ModelTokens, Outcome, OutputParser, Runtime } from './types.js';

const APPROVAL_MODES = ['default', 'auto_edit', 'yolo', 'plan'] as const;
export const SETTINGS_FILE = 'gemini-settings.json';

/** The CLI's documented exit codes for set-up failures (which print nothing on stdout). */
const EXIT_CODES: Record<number, string> = {
  41: 'authentication failed (set GEMINI_API_KEY or an auth type in ~/.gemini/settings.json)',
  42: 'bad input (for --resume: the session does not exist in this workspace)',
  44: 'sandbox error',
  52: 'configuration error',
  53: 'turn limit reached',
  54: 'tool execution error',
  55: 'the workspace is not trusted',
  130: 'cancelled',
};

/** stderr lines that are always there and say nothing about a failure. */
const STDERR_NOISE = /^(Warning: 256-color|YOLO mode is enabled|Ripgrep is not available|Approval mode overridden|Full report available)|^\s+at /;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export class GeminiParser implements OutputParser {
  private session: string | null = null;
  private pending: string[] = []; // assistant deltas not yet emitted
  result: Obj | null = null;
  lastText: string | null = null;
  /** The first stderr line that reads like the error (the rest is stack traces and notices). */
  errorLine: string | null = null;

  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[] {
    try {
      if (stream === 'stderr') return this.stderrLine(text);
      if (text.trim() === '') return [];
      const m = jsonObject(text);
      if (!m) return [...this.flush(), textLine(text, 'stdout')];
      if (m.type === 'message' && m.role === 'assistant' && typeof m.content === 'string' && m.delta === true) {
        this.pending.push(m.content);
        return [];
      }
      return [...this.flush(), ...this.message(m)];
    } catch {
      return [textLine(text, stream)]; // a shape no handler foresaw: keep the text, never fail the job over it
    }
  }

  /** The joined assistant text so far, as one event. */
  flush(): EventDraft[] {
    if (this.pending.length === 0) return [];
    const text = this.pending.join('');
    this.pending = [];
    if (text.trim() !== '') this.lastText = text;
    return [{ type: 'output', ...clipped('text', text, TEXT_MAX) }];
  }

  sessionId(): string | null {
    return this.session;
  }

  usage(): Usage | null {
    const stats = asObj(this.result?.stats);
    if (!stats) return null;
    const input = asNum(stats.input_tokens) ?? 0;
    const cached = asNum(stats.cached) ?? 0;
    return {
      inputTokens: asNum(stats.input) ?? Math.max(0, input - cached),
      outputTokens: asNum(stats.output_tokens) ?? 0,
      cacheReadTokens: cached,
      cacheCreationTokens: 0,
      costUsd: null, // gemini reports none: the runner estimates it
      turns: null,
    };
  }

  /** Per model (the routing model and the one it chose), from result.stats.models. */
  modelTokens(): ModelTokens[] {
    const models = asObj(asObj(this.result?.stats)?.models);
    if (!models) return [];
    return Object.entries(models).flatMap(([model, v]) => {
      const s = asObj(v);
      if (!s) return [];
      const cached = asNum(s.cached) ?? 0;
      const input = asNum(s.input) ?? Math.max(0, (asNum(s.input_tokens) ?? 0) - cached);
      return [{ model, inputTokens: input, outputTokens: asNum(s.output_tokens) ?? 0, cacheReadTokens: cached, cacheCreationTokens: 0 }];
    });
  }

  summary(): string | null {
    const text = this.pending.length ? this.pending.join('') : this.lastText;
    return text === null ? null : clip(text, TEXT_MAX).text;
  }

  private stderrLine(text: string): EventDraft[] {
    const t = text.replace(ANSI, '').trim();
    if (this.errorLine === null && t !== '' && !STDERR_NOISE.test(t)) this.errorLine = clip(t, DETAIL_MAX).text;
    return [textLine(text, 'stderr')];
  }

  private message(m: Obj): EventDraft[] {
    switch (m.type) {
      case 'init':
        if (typeof m.session_id === 'string' && m.session_id) this.session = m.session_id;
        return [{ type: 'output', kind: 'init', sessionId: short(m.session_id), model: short(m.model) }];
      case 'message':
        if (typeof m.content !== 'string') return [rawEvent(m)];
        if (m.role === 'user') return [{ type: 'output', kind: 'user', ...clipped('text', m.content, TEXT_MAX) }];
        if (m.role === 'assistant') {
          if (m.content.trim() !== '') this.lastText = m.content;
          return [{ type: 'output', ...clipped('text', m.content, TEXT_MAX) }];
        }
        return [rawEvent(m)];
      case 'tool_use': {
        const { value: input, truncated } = shrink(m.parameters ?? {});
        return [{ type: 'tool_use', tool: short(m.tool_name), id: short(m.tool_id), input, ...(truncated ? { truncated } : {}) }];
      }
      case 'tool_result': {
        const error = asObj(m.error);
        const content = typeof m.output === 'string' ? m.output : (short(error?.message) ?? '');
        const event: EventDraft = { type: 'tool_result', id: short(m.tool_id), is_error: m.status === 'error', ...clipped('content', content, DETAIL_MAX) };
        if (error?.type !== undefined) event.errorType = short(error.type);
        return [event];
      }
      case 'error':
        return [{ type: 'error', kind: short(m.severity) ?? 'warning', fatal: false, message: short(m.message) ?? 'error' }];
      case 'result': {
        this.result = m;
        const error = asObj(m.error);
        const event: EventDraft = { type: 'output', kind: 'result', subtype: short(m.status), text: `result: ${short(m.status) ?? '?'}` };
        if (error) Object.assign(event, { errorType: short(error.type), ...clipped('text', String(error.message ?? ''), DETAIL_MAX) });
        return [event];
      }
      default:
        return [rawEvent(m)];
    }
  }
}

/** The HTTP status inside "[API Error: {"error":{"code":500,…}}]", if any. */
function apiStatus(message: string): number | undefined {
  const m = /\{.*\}/s.exec(message);
  const body = m ? jsonObject(m[0]) : null;
  return asNum(asObj(body?.error)?.code);
}

function outcome(parser: OutputParser, exit: ExitInfo): Outcome {
  if (!(parser instanceof GeminiParser)) throw new HerdError('internal', 'the gemini runtime was given a parser it did not make');
  const summary = parser.summary();
  const stopped = stoppedOutcome(exit, summary);
  if (stopped) return stopped;
  const r = parser.result;
  if (r?.status === 'success') return { status: 'completed', exitReason: 'success', error: null, summary };
  if (r) {
    const error = asObj(r.error);
    const message = String(error?.message ?? 'no details');
    const type = short(error?.type) ?? 'error';
    const text = type === 'FatalTurnLimitedError' ? `max turns reached: ${message}` : `${type}: ${message}`;
    const status = apiStatus(message);
    return { status: 'failed', exitReason: 'error', error: clip(text, DETAIL_MAX).text, summary, transient: status !== undefined ? isTransient({ status }) : isTransient({ text: message }) };
  }
  const stderr = parser.errorLine ? `: ${parser.errorLine}` : '';
  // a cancelled run exits 0 without a result; so does one whose stdout reader went away
  if (exit.code === 0 && !exit.signal) return { status: 'failed', exitReason: 'error', error: `gemini stopped without a result (interrupted)${stderr}`, summary };
  const known = exit.code !== null ? EXIT_CODES[exit.code] : undefined;
  const why = known ? `gemini ${describeExit(exit)}: ${known}` : `gemini ${describeExit(exit)} without a result`;
  return { status: 'failed', exitReason: 'error', error: clip(`${why}${stderr}`, DETAIL_MAX).text, summary, transient: isTransient({ text: parser.errorLine }) };
}

function launch(input: LaunchInput): LaunchSpec {
  const { agent } = input;
  // no -p: the prompt comes on stdin (any size; with -p, piped stdin would be appended to it)
  const argv = [programFor(agent, 'gemini'), '-o', 'stream-json'];
  const model = optString(agent, 'model');
  if (model) argv.push('--model', model);
  const mode = optString(agent, 'approval_mode');
  if (mode !== undefined) {
    if (!(APPROVAL_MODES as readonly string[]).includes(mode)) throw new HerdError('config', `agent \`approval_mode\` must be one of ${APPROVAL_MODES.join(', ')}`);
    argv.push('--approval-mode', mode);
  }
  // the workspace is the one herdctl.yaml names: trusted by whoever wrote it (headless gemini refuses untrusted folders, exit 55)
  if (agent.skip_trust !== false) argv.push('--skip-trust');
  if (input.resumeSessionId) argv.push('--resume', input.resumeSessionId);
  else if (input.sessionId) argv.push('--session-id', input.sessionId);
  const spec: LaunchSpec = { argv, cwd: input.workspace, env: stringMap(agent.env, 'env'), stdin: input.prompt };
  const maxTurns = optPositiveInt(agent, 'max_turns');
  if (input.jobDir) {
    // system settings win over the user's: retention off keeps resumable sessions; the turn limit exists only as a setting
    const settings: Obj = { general: { sessionRetention: { enabled: false } } };
    if (maxTurns) settings.model = { maxSessionTurns: Number(maxTurns) };
    spec.files = { [SETTINGS_FILE]: JSON.stringify(settings, null, 2) + '\n' };
    spec.env!.GEMINI_CLI_SYSTEM_SETTINGS_PATH = `${input.jobDir}/${SETTINGS_FILE}`;
  }
  return spec;
}

export const geminiRuntime: Runtime = {
  name: 'gemini',
  configKeys: (k) => ({
    gemini_bin: k.text(),
    approval_mode: k.oneOf([...APPROVAL_MODES]),
    max_turns: k.posInt(),
    skip_trust: k.bool(),
  }),
  sessions: 'minted',
  defaultPrompt: null,
  defaultProgram: 'gemini',
  defaultModel: 'auto',
  recapFiles: (_tool, input) => filesUnder(input, ['file_path', 'absolute_path', 'path']),
  launch,
  parser: () => new GeminiParser(),
  outcome,
};
