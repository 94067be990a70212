import * as fs from 'node:fs';
import { join } from 'node:path';
import { readDerived, writeDerived } from './bucket-cache.js';
import { appendLines, tryReadBytes, tryReadRange, writeFileAtomic } from './fsx.js';
import { isJobId } from './ids.js';

/**
 * The ids' random parts, for `jobs show k3x9`: index/id-tails.bin holds each
 * indexed id's last 8 characters back to back, index/id-times.bin its
 * YYYYMMDDHHMMSS, record for record, and index/id-tails.json how far into
 * each segment they go. A run is found by one search of ~8 MB at a million
 * jobs instead of ~200 MB of segments. Derived: kept up to date by the
 * readers (a grown segment adds its new lines' ids; a segment gone or
 * shrunk, or files whose lengths disagree with the record count, rebuild
 * them all), and safe to delete. Ids of pruned jobs may be among the found.
 */
const VERSION = 1;
const TAIL = 8;
const TIME = 14;

interface Bookkeeping {
  segments: Record<string, number>; // segment → bytes indexed (whole lines)
  records: number;
}

export function idsWithRun(dir: string, segments: string[], run: string): string[] {
  const tails = join(dir, 'id-tails.bin');
  const times = join(dir, 'id-times.bin');
  const bookFile = join(dir, 'id-tails.json');
  const book = readDerived<Bookkeeping>(bookFile, VERSION);
  const size = (name: string) => fileSize(join(dir, name));
  const sizes = new Map(segments.map((n) => [n, size(n)]));
  const whole = !book || fileSize(tails) !== book.records * TAIL || fileSize(times) !== book.records * TIME || Object.entries(book.segments).some(([n, at]) => (sizes.get(n) ?? -1) < at); // gone (folded, pruned) or cut
  const next: Bookkeeping = whole ? { segments: {}, records: 0 } : { segments: { ...book.segments }, records: book.records };
  let tailText = '';
  let timeText = '';
  for (const [name, now] of sizes) {
    const from = next.segments[name] ?? 0;
    if (now <= from) continue;
    const got = idsFrom(join(dir, name), from, now);
    if (!got) continue; // gone meanwhile: the next look rebuilds
    for (const id of got.ids) {
      tailText += id.slice(20);
      timeText += id.slice(4, 12) + id.slice(13, 19);
    }
    next.records += got.ids.length;
    next.segments[name] = from + got.bytes;
  }
  try {
    if (whole) {
      writeFileAtomic(tails, tailText, { durable: false });
      writeFileAtomic(times, timeText, { durable: false });
    } else if (tailText) {
      // records first, then the count: a crash (or a racing reader) between leaves lengths that disagree, which rebuilds
      appendLines(tails, tailText);
      appendLines(times, timeText);
    }
    if (whole || tailText) writeDerived(bookFile, VERSION, next);
  } catch {
    /* a read-only state dir: searched from what was read, next time again */
  }
  const timeOf = whole ? (rec: number) => timeText.slice(rec * TIME, rec * TIME + TIME) : (rec: number) => (tryReadRange(times, rec * TIME, TIME) ?? Buffer.alloc(0)).toString('latin1');
  return search(whole ? Buffer.from(tailText, 'latin1') : (tryReadBytes(tails) ?? Buffer.alloc(0)), timeOf, run);
}

/** The matching records: the tails are searched whole, the times read only for the matches (a few of 1M). */
function search(tails: Buffer, timeOf: (rec: number) => string, run: string): string[] {
  const found = new Set<string>();
  const needle = Buffer.from(run, 'latin1');
  for (let at = tails.indexOf(needle); at >= 0; at = tails.indexOf(needle, at + 1)) {
    if ((at % TAIL) + needle.length > TAIL) continue; // across two records
    const rec = Math.floor(at / TAIL);
    const t = timeOf(rec);
    const id = `job-${t.slice(0, 8)}-${t.slice(8)}-${tails.toString('latin1', rec * TAIL, rec * TAIL + TAIL)}`;
    if (isJobId(id)) found.add(id);
  }
  return [...found];
}

/** The ids that begin the whole lines of a segment between two offsets (each line starts with its id), once each. */
function idsFrom(path: string, from: number, to: number): { ids: string[]; bytes: number } | null {
  const buf = tryReadRange(path, from, to - from);
  if (!buf) return null;
  const end = buf.lastIndexOf(0x0a) + 1; // a line being written is indexed next time, whole
  const ids = new Set<string>();
  for (let i = 0; i < end;) {
    const nl = buf.indexOf(0x0a, i);
    if (nl - i >= 28) {
      const id = buf.toString('latin1', i, i + 28);
      if (isJobId(id)) ids.add(id);
    }
    i = nl + 1;
  }
  return { ids: [...ids], bytes: end };
}

function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return -1;
  }
}
