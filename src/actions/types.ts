/** What an action needs from the command line layer (oclif, or the fast path in bin/run.js). */
export interface Ctx {
  json: boolean;
  home: string | undefined;
  log(text: string): void;
}

/** data: what --json prints (undefined: the action printed its own); exit: a non-zero outcome code. */
export interface ActionResult<T = unknown> {
  data?: T;
  exit?: number;
}
