// `jobs list --watch`: the list again whenever the state dir changes (and each
// second, for times and other hosts' writes), like `watch` or `kubectl get -w`.
// On a TTY the screen is redrawn in place; in a pipe, only rows that appeared
// or changed status are printed, one line each. Ctrl-C ends it (exit 0).
import { jobsList, type ListFlags } from './actions/jobs-list.js';
import type { Ctx } from './actions/types.js';
import type { JobsListView, ListRow } from './core/store.js';

const EVERY_MS = 1000;

export async function watchList(
  flags: ListFlags,
  ctx: Ctx,
  show: { screen(view: JobsListView): void; changed(rows: ListRow[], view: JobsListView): void; tty: boolean },
  signal: AbortSignal,
): Promise<void> {
  const seen = new Map<string, string>();
  const rowKey = (r: ListRow) => ('job' in r ? `${r.job.status}/${r.job.cancelRequestedAt ?? ''}` : 'unreadable');
  while (!signal.aborted) {
    const { view } = jobsList(flags, ctx);
    if (view) {
      if (show.tty) show.screen(view);
      else {
        const changed = view.rows.filter((r) => seen.get('job' in r ? r.job.id : r.id) !== rowKey(r));
        if (changed.length) show.changed(changed, view);
      }
      for (const r of view.rows) seen.set('job' in r ? r.job.id : r.id, rowKey(r));
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, EVERY_MS);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
