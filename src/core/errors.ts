/** Exit codes: the table in README.md ("Exit codes") is the contract. */
export const Exit = {
  OK: 0,
  FAILURE: 1, // job failed (--wait/--follow) or unexpected error
  USAGE: 2, // bad flag, argument or id syntax
  NOT_FOUND: 3, // unknown job / agent / schedule
  AMBIGUOUS: 4, // id prefix matches several jobs
  CONFLICT: 5, // wrong state for the action, or a lock held by someone else
  CONFIG: 6, // herdctl.yaml invalid
  QUOTA: 7, // quota denied
  CORRUPT: 8, // a state file herdctl cannot read
  ENVIRONMENT: 9, // the system or the state dir cannot be used: a full disk, no permission, a read-only filesystem, an unsupported OS
  DETACHED: 10, // Ctrl-C on run --wait/--follow: herdctl stopped waiting; the job keeps running
  TIMEOUT: 124, // job ended failed/timeout (--wait/--follow)
  CANCELLED: 130, // job ended cancelled (--wait/--follow)
} as const;

export type ErrorCode = 'usage' | 'invalid_id' | 'not_found' | 'ambiguous' | 'conflict' | 'config' | 'quota_denied' | 'corrupt' | 'environment' | 'io' | 'internal';

const EXIT_FOR: Record<ErrorCode, number> = {
  usage: Exit.USAGE,
  invalid_id: Exit.USAGE,
  not_found: Exit.NOT_FOUND,
  ambiguous: Exit.AMBIGUOUS,
  conflict: Exit.CONFLICT,
  config: Exit.CONFIG,
  quota_denied: Exit.QUOTA,
  corrupt: Exit.CORRUPT,
  environment: Exit.ENVIRONMENT,
  io: Exit.FAILURE,
  internal: Exit.FAILURE,
};

/**
 * Every error a user can see. `suggestion` names the next command to try;
 * `data` is what `--json` prints instead of the message.
 */
export class HerdError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly suggestion?: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HerdError';
    this.exitCode = EXIT_FOR[code];
  }

  toJSON(): Record<string, unknown> {
    return this.data ?? { error: this.code, message: this.message, suggestion: this.suggestion ?? null };
  }
}

export const isErrno = (e: unknown, ...codes: string[]): e is NodeJS.ErrnoException => typeof e === 'object' && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? '');

/** errno errors of the environment (a full disk, a read-only or broken filesystem, permissions, fd limits), not bugs. */
export const isEnvironmentError = (e: unknown): e is NodeJS.ErrnoException => isErrno(e, 'ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE');

export const ENV_ERROR_HINT = (e: NodeJS.ErrnoException): string =>
  e.code === 'ENOSPC' || e.code === 'EDQUOT'
    ? 'free some disk space, then retry'
    : e.code === 'EROFS'
      ? 'the state dir is on a read-only filesystem: remount it read-write, or pass --home <a writable dir>'
      : "check the state dir's permissions and filesystem, then retry";

/** An errno error of the environment as the error the user sees (exit 9; JSON under --json), naming the errno. */
export function environmentError(e: NodeJS.ErrnoException, what?: string): HerdError {
  const suggestion = ENV_ERROR_HINT(e);
  const message = what ? `could not ${what}: ${e.message}` : e.message;
  return new HerdError('environment', message, suggestion, { error: 'environment', errno: e.code ?? null, message, suggestion });
}
