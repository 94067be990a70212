import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** git in a test repository, with a fixed identity and no user or system config. */
export function git(cwd: string, ...args: string[]): string {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'User', GIT_AUTHOR_EMAIL: 'u@x', GIT_COMMITTER_NAME: 'User', GIT_COMMITTER_EMAIL: 'u@x' };
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A repository with two commits, a stash, a staged and an unstaged change
 * and an untracked file: a user's checkout in the middle of their work.
 */
export function makeUserRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), 'hello\n');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'app.js'), 'console.log(1);\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'first');
  writeFileSync(join(dir, 'README.md'), 'hello again\n');
  git(dir, 'commit', '-q', '-am', 'second');
  writeFileSync(join(dir, 'README.md'), 'stashed change\n');
  git(dir, 'stash', '-q');
  writeFileSync(join(dir, 'src', 'app.js'), 'console.log(2); // staged\n');
  git(dir, 'add', 'src/app.js');
  writeFileSync(join(dir, 'README.md'), 'unstaged change\n');
  writeFileSync(join(dir, 'notes.txt'), 'untracked\n');
  return dir;
}

/**
 * Everything of the user's checkout herdctl must leave alone, as one digest:
 * HEAD, the index file, the stash (ref and reflog), the branch it is on, and
 * every working file (bytes and mode). `.git/worktrees` and the branches git
 * adds for them are expected to change and are left out.
 */
export function checkoutDigest(dir: string): string {
  const h = createHash('sha256');
  const add = (label: string, data: string | Buffer) => h.update(`${label}\0`).update(data).update('\0');
  add('HEAD', readFileSync(join(dir, '.git', 'HEAD')));
  add('head-commit', git(dir, 'rev-parse', 'HEAD'));
  add('index', readFileSync(join(dir, '.git', 'index')));
  add('stash', git(dir, 'stash', 'list', '--format=%H %gs'));
  add('status', git(dir, 'status', '--porcelain=v2', '--branch'));
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (p === join(dir, '.git')) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else add(`file ${relative(dir, p)} ${st.mode}`, readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}
