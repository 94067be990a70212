import type { Clock, Timer } from '../../src/core/clock.js';

/**
 * A clock that moves only when told: `advance(ms)` runs every timer due by
 * then, in order, each at its own time (a timer set by a timer runs too if it
 * falls in the span). Install it with useClock (src/core/clock.ts).
 */
export class FakeClock implements Clock {
  private timers: { id: number; at: number; fn: () => void }[] = [];
  private nextId = 1;
  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  mono(): number {
    return this.t; // it only moves forward
  }

  setTimer(fn: () => void, ms: number): Timer {
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn });
    return { fake: id };
  }

  clearTimer(t: Timer): void {
    const id = (t as { fake?: number }).fake;
    this.timers = this.timers.filter((x) => x.id !== id);
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = until;
  }
}
