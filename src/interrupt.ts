// Ctrl-C while a command waits on a job (`run --wait`/`--follow`): the first
// one stops the waiting, not the job — the command says how to get back to it
// and exits "detached" (10); a second one exits at once, as Ctrl-C does.
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    ac.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return ac.signal;
}
