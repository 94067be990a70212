/**
 * A one-consumer async queue with backpressure: `push` resolves once the
 * consumer has taken the item, so a slow `for await` never makes the
 * producer (a file follower, an SSE reader) buffer a whole log in memory.
 */
export class Channel<T> implements AsyncIterable<T> {
  private items: { value: T; taken: () => void }[] = [];
  private waiting: (() => void) | null = null;
  private closed = false;
  private error: unknown = null;

  push(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((taken) => {
      this.items.push({ value, taken });
      this.wake();
    });
  }

  /** No more items; those queued are still delivered. */
  end(): void {
    this.closed = true;
    this.wake();
  }

  /** The consumer left: queued items are dropped and their producers released. */
  close(): void {
    this.closed = true;
    for (const i of this.items.splice(0)) i.taken();
    this.wake();
  }

  fail(e: unknown): void {
    this.error = e;
    this.end();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        next.taken();
        yield next.value;
        continue;
      }
      if (this.closed) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.waiting = r));
    }
  }
}
