/**
 * What the state dir is stored on, for `herdctl doctor`: the filesystem of
 * its mount and, on a network filesystem, the mount options that decide how
 * soon one host sees another's files (docs/multihost.md). Parsers are pure;
 * the platform supplies the mount table (Linux: /proc/self/mountinfo; macOS
 * and the BSDs: `mount`).
 */
export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  /** Mount and filesystem options together (NFS keeps vers=, ac*=, lookupcache= among the latter). */
  options: string[];
}

/** /proc/self/mountinfo: `id parent maj:min root mountpoint opts [tags…] - fstype source superopts`. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 7 || dash < 0 || dash + 3 > f.length) continue;
    out.push({ mountPoint: unescape(f[4]), fstype: f[dash + 1], source: unescape(f[dash + 2]), options: [...f[5].split(','), ...(f[dash + 3] ?? '').split(',')].filter(Boolean) });
  }
  return out;
}

/** Octal escapes of the kernel's mount table (`\040` is a space). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** `mount` on macOS and the BSDs: `source on /mount/point (fstype, opt, opt)`. */
export function parseBsdMount(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.+) on (.+) \(([^,)]+)(?:, ([^)]*))?\)$/.exec(line.trim());
    if (m) out.push({ source: m[1], mountPoint: m[2], fstype: m[3], options: (m[4] ?? '').split(', ').filter(Boolean) });
  }
  return out;
}

/** The mount a path lives on: the longest mount point that contains it (the last one mounted there wins). */
export function mountFor(path: string, mounts: MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const inside = path === m.mountPoint || path.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export interface StorageFinding {
  status: 'ok' | 'info';
  detail: string;
  fix: string | null;
}

/** Kernel NFS defaults (nfs(5)) for options /proc leaves out when they are not changed. */
const NFS_DEFAULT_AC = { acregmin: 3, acregmax: 60, acdirmin: 30, acdirmax: 60 };
/** How stale an attribute may be before another host's new job or ended run is seen late: docs/multihost.md. */
const MAX_ATTR_CACHE_S = 3;
/** Network filesystems other than NFS (handled above); any FUSE filesystem is reported alike. EFS mounts as nfs4. */
const NETWORK = /^(cifs|smb3?|smbfs|afpfs|ceph|9p|glusterfs|lustre|gpfs|beegfs)$/;

/** What the mount means for a state dir shared by several hosts; `ok` for a local filesystem. */
export function storageFinding(m: MountEntry | null): StorageFinding {
  if (!m) return { status: 'info', detail: 'its filesystem could not be found in the mount table', fix: null };
  const opt = (name: string) => m.options.find((o) => o === name || o.startsWith(`${name}=`))?.split('=')[1];
  if (m.fstype === 'nfs' || m.fstype === 'nfs4') {
    const vers = opt('vers') ?? opt('nfsvers') ?? (m.fstype === 'nfs4' ? '4' : '3');
    const problems: string[] = [];
    if (!/^4\.[1-9]/.test(vers)) problems.push(`NFS version ${vers}: use 4.1 or later (NFSv3 has no reliable exclusive create across clients)`);
    const ac = (k: keyof typeof NFS_DEFAULT_AC) => (m.options.includes('noac') ? 0 : Number(opt(k) ?? opt('actimeo') ?? NFS_DEFAULT_AC[k]));
    const longest = Math.max(ac('acregmax'), ac('acdirmax'), ac('acregmin'), ac('acdirmin'));
    if (longest > MAX_ATTR_CACHE_S) problems.push(`attributes cached up to ${longest} s: another host's files are seen that late`);
    const lookup = opt('lookupcache');
    if (lookup !== 'pos' && lookup !== 'positive' && lookup !== 'none') problems.push('negative lookups cached: a file another host creates may stay unseen');
    const at = `${m.fstype} ${m.source} on ${m.mountPoint}`;
    if (problems.length === 0) return { status: 'ok', detail: `${at} (vers=${vers}, attribute cache ≤ ${longest} s, lookupcache=${lookup})`, fix: null };
    return { status: 'info', detail: `${at}: ${problems.join('; ')}`, fix: `mount with -o vers=4.1,actimeo=${MAX_ATTR_CACHE_S},lookupcache=positive (docs/multihost.md)` };
  }
  if (NETWORK.test(m.fstype) || m.fstype.startsWith('fuse')) {
    return {
      status: 'info',
      detail: `${m.fstype} ${m.source} on ${m.mountPoint}: a network or FUSE filesystem whose caching herdctl cannot read`,
      fix: 'see docs/multihost.md for the storage several hosts can share',
    };
  }
  return { status: 'ok', detail: `${m.fstype} on ${m.mountPoint} (local)`, fix: null };
}
