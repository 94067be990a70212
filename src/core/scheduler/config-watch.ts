import * as fs from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Tells the scheduler when its config file may have changed. It watches the
 * file's directory, not the file: editors save by writing a new file and
 * renaming it over the old one, which a watch on the old inode never sees.
 * Events are debounced (an editor's save is several of them), and `changed()`
 * compares inode, size and mtime, so the caller can also just ask on every
 * wake-up — the fallback where directory events are not delivered (NFS).
 */
export class ConfigWatcher {
  private watcher: fs.FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private seen: string;

  constructor(
    readonly path: string,
    onEvent: () => void,
    debounceMs = 50,
  ) {
    this.seen = this.signature();
    try {
      this.watcher = fs
        .watch(dirname(path), { persistent: false }, (_event, name) => {
          if (name !== null && name !== basename(path)) return;
          if (this.debounce) clearTimeout(this.debounce);
          this.debounce = setTimeout(onEvent, debounceMs);
        })
        .on('error', () => {});
    } catch {
      /* no events: the caller's wake-ups still ask changed() */
    }
  }

  private signature(): string {
    try {
      const st = fs.statSync(this.path, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch {
      return 'missing';
    }
  }

  /** Whether the file differs from the last time this was asked (or from construction). */
  changed(): boolean {
    const now = this.signature();
    if (now === this.seen) return false;
    this.seen = now;
    return true;
  }

  close(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
  }
}
