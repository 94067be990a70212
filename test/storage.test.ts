// doctor's storage and clock checks (src/core/storage.ts): the mount table parsed on
// Linux and the BSDs, the mount a state dir lives on, and what an NFS mount's options
// mean for several hosts, by table; the clock probe on a real file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { runDoctor } from '../src/core/doctor.js';
import { mountFor, parseBsdMount, parseMountinfo, storageFinding, type MountEntry } from '../src/core/storage.js';
import { measureSkew } from '../src/core/fsx.js';
import { JobStore } from '../src/core/store.js';
import { tempHome } from './support/tmp.js';

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  '40 27 0:45 / /mnt/shared rw,relatime - nfs4 fs1:/export rw,vers=4.1,rsize=1048576,acregmin=1,acregmax=1,acdirmin=1,acdirmax=1,hard,lookupcache=pos',
  '41 27 0:46 / /mnt/old rw,relatime - nfs fs2:/home rw,vers=3,hard',
  '42 27 0:47 / /mnt/with\\040space rw - fuse.sshfs me@h:/x rw,user_id=0',
  'garbage line',
].join('\n');

describe('storage: the mount table', () => {
  it('mountinfo: mount point (octal escapes undone), type, source, both option sets', () => {
    const m = parseMountinfo(MOUNTINFO);
    assert.equal(m.length, 5);
    assert.deepEqual(m[2], { mountPoint: '/mnt/shared', fstype: 'nfs4', source: 'fs1:/export', options: m[2].options });
    assert.ok(m[2].options.includes('vers=4.1') && m[2].options.includes('relatime'));
    assert.equal(m[4].mountPoint, '/mnt/with space');
  });
  it('BSD/macOS mount output', () => {
    const m = parseBsdMount(
      '/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\nfs1:/export on /Volumes/herd (nfs, nodev, nosuid, mounted by me)\nmap auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)\n',
    );
    assert.deepEqual(m[1], { source: 'fs1:/export', mountPoint: '/Volumes/herd', fstype: 'nfs', options: ['nodev', 'nosuid', 'mounted by me'] });
    assert.equal(m.length, 3);
  });
  it('the longest mount point containing the path wins; a sibling with a common prefix does not', () => {
    const m = parseMountinfo(MOUNTINFO);
    assert.equal(mountFor('/mnt/shared/herd', m)?.fstype, 'nfs4');
    assert.equal(mountFor('/mnt/sharedother/herd', m)?.fstype, 'ext4');
    assert.equal(mountFor('/', m)?.fstype, 'ext4');
  });
});

describe('storage: what a mount means for several hosts', () => {
  const nfs = (fstype: string, ...options: string[]): MountEntry => ({ mountPoint: '/mnt/h', fstype, source: 's:/e', options });
  const table: [string, MountEntry | null, 'ok' | 'info', RegExp][] = [
    ['local ext4', { mountPoint: '/', fstype: 'ext4', source: '/dev/vda', options: [] }, 'ok', /local/],
    ['NFSv4.1, short caches, positive lookups', nfs('nfs4', 'vers=4.1', 'actimeo=1', 'lookupcache=pos'), 'ok', /vers=4\.1/],
    ['noac counts as no attribute cache', nfs('nfs4', 'vers=4.2', 'noac', 'lookupcache=none'), 'ok', /≤ 0 s/],
    ['NFSv3', nfs('nfs', 'vers=3', 'actimeo=1', 'lookupcache=pos'), 'info', /version 3/],
    ['kernel defaults: 60 s attribute cache, negative lookups cached', nfs('nfs4', 'vers=4.1'), 'info', /up to 60 s.*negative lookups/],
    ['acdirmin left at its default 30 s', nfs('nfs4', 'vers=4.1', 'acregmin=1', 'acregmax=1', 'acdirmax=1', 'lookupcache=pos'), 'info', /up to 30 s/],
    ['a FUSE filesystem (the test bed)', { mountPoint: '/m', fstype: 'fuse.nfs', source: 'x', options: [] }, 'info', /cannot read/],
    ['not in the table', null, 'info', /could not be found/],
  ];
  for (const [name, mount, status, detail] of table) {
    it(name, () => {
      const f = storageFinding(mount);
      assert.equal(f.status, status, f.detail);
      assert.match(f.detail, detail);
      if (status === 'info' && mount?.fstype.startsWith('nfs')) assert.match(f.fix ?? '', /vers=4\.1,actimeo=3,lookupcache=positive/);
    });
  }
});

describe('doctor: storage and clock checks', () => {
  it("a real file in the state dir is stamped by this host's clock (local disk): no skew, nothing left behind", (t) => {
    const home = tempHome(t);
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const s = measureSkew(home);
    assert.ok(s && Math.abs(s.skewMs) < 1000, JSON.stringify(s));
    assert.deepEqual(fs.readdirSync(home), []);
  });
  it('an NFSv3 state dir and a file server 40 s ahead are reported as info with their fixes; doctor stays healthy', (t) => {
    const home = tempHome(t);
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    const checks = runDoctor(new JobStore(home), new Error('no config'), false, {
      version: () => null,
      disk: () => ({ free: 1e12, total: 2e12 }),
      mounts: () => [{ mountPoint: '/', fstype: 'nfs', source: 'fs:/home', options: ['vers=3'] }],
      skew: () => ({ skewMs: 40_000, uncertaintyMs: 1000 }),
    });
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    assert.equal(by.storage.status, 'info');
    assert.match(by.storage.detail, /NFS version 3/);
    assert.equal(by.clock.status, 'info');
    assert.match(by.clock.detail, /40\.0 s/);
    assert.match(by.clock.fix ?? '', /NTP/);
  });
});
