import { Chalk, type ChalkInstance } from 'chalk';

/** Colors only on a TTY, never with NO_COLOR set (https://no-color.org). */
export function palette(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  const on = Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
  return new Chalk({ level: on ? 1 : 0 });
}

const STATUS_COLOR: Record<string, keyof ChalkInstance> = {
  pending: 'yellow',
  running: 'cyan',
  stopping: 'magenta',
  completed: 'green',
  failed: 'red',
  cancelled: 'magenta',
};

export function colorStatus(c: ChalkInstance, status: string): string {
  const fn = c[STATUS_COLOR[status] ?? 'gray'] as unknown as (s: string) => string;
  return fn(status);
}
