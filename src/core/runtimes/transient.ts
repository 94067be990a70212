/**
 * Is a failure worth running again? Shared by the runtimes so each classes
 * its own errors the same way (Outcome.transient); the retry policy acts on
 * nothing else.
 *
 * From the reference transcripts: Claude Code reports a failed API call as a
 * synthetic message plus a result carrying `api_error_status` (500 after its
 * own `api_retry`s, 400 at once); Codex ends with `turn.failed` "We're
 * currently experiencing high demand…" after "Reconnecting… n/5"; Gemini's
 * error result embeds the HTTP body and exits with the status mod 256. The
 * Anthropic API's own kinds: `overloaded_error` (529), `rate_limit_error`
 * (429), `api_error` (500). A dropped connection surfaces as a Node/undici
 * error text (ECONNRESET, socket hang up, fetch failed).
 */

/** HTTP statuses that say "try again later": rate limited, request timeout, and every server error (529 = overloaded). */
export function transientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

const TRANSIENT_TYPES = new Set(['overloaded_error', 'rate_limit_error', 'api_error', 'timeout_error', 'server_error']);

const TRANSIENT_TEXT =
  /overloaded|rate[ _-]?limit|too many requests|high demand|temporar(?:y|ily) (?:unavailable|error)|internal server error|bad gateway|service unavailable|gateway time-?out|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|socket hang up|connection (?:error|reset|closed|refused)|network error|fetch failed|stream disconnected/i;

/** A status wins when there is one (a 4xx is never transient, except 408/429); the error type next; the text last. */
export function isTransient(err: { status?: number | null; type?: string | null; text?: string | null }): boolean {
  if (typeof err.status === 'number') return transientStatus(err.status);
  if (err.type) return TRANSIENT_TYPES.has(err.type);
  return typeof err.text === 'string' && TRANSIENT_TEXT.test(err.text);
}

/** sysexits.h EX_TEMPFAIL: "a temporary failure; the user is invited to retry" — how a command agent says so. */
export const EX_TEMPFAIL = 75;
