// The one way a test waits: poll a probe against a generous deadline. Tests run
// on a loaded 2-core box, so a deadline is a cap on how long a broken case may
// hang, never a claim about speed (that belongs in `npm run bench`).

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `probe` returns a truthy value and returns it; fails with `what`
 * after `timeoutMs`. A probe that throws (job.json not written yet, a torn
 * read) counts as "not yet"; its last error is named if the wait times out.
 * The probe may be async (an HTTP request).
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}
