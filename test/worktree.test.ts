import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { branchFor, commitLeftovers, createWorktree, diffStat, diffText, GitError, orphanWorktrees, removeOrphan, removeWorktree, reopenWorktree, worktreePathFor } from '../src/core/worktree.js';
import { JobStore } from '../src/core/store.js';
import { orphanJobWorktrees } from '../src/core/worktree-jobs.js';
import { checkoutDigest, git, makeUserRepo } from './support/git.js';
import { tempDir } from './support/tmp.js';

const ID_A = 'job-20261204-120000-aaaaaaaa';
const ID_B = 'job-20261204-120001-bbbbbbbb';

describe('worktree per job (real git repositories)', () => {
  it('creates a worktree on herdctl/<id> from HEAD, commits leftovers as herdctl, reports the diff; the checkout is untouched', (t) => {
    const dir = tempDir(t);
    const repo = makeUserRepo(join(dir, 'repo'));
    const before = checkoutDigest(repo);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const path = worktreePathFor(join(dir, 'home'), ID_A);
    const w = createWorktree(repo, path, branchFor(ID_A), null);
    assert.deepEqual(w, { worktree: path, branch: `herdctl/${ID_A}`, baseCommit: head, cwd: path });
    // a claimant died after making it and before starting the agent: the re-queued job's next claimant uses it as it is
    assert.deepEqual(createWorktree(repo, path, branchFor(ID_A), null), w);
    // the worktree holds the committed state, not the user's uncommitted work
    assert.equal(readFileSync(join(path, 'README.md'), 'utf8'), 'hello again\n');
    assert.ok(!existsSync(join(path, 'notes.txt')));
    writeFileSync(join(path, 'README.md'), 'agent edit\n');
    writeFileSync(join(path, 'new.txt'), 'one\ntwo\n');
    const commit = commitLeftovers(w, ID_A, 'coder');
    assert.match(commit!, /^[0-9a-f]{40}$/);
    assert.equal(git(path, 'log', '-1', '--format=%an|%s').trim(), `herdctl|herdctl: uncommitted changes of job ${ID_A} (agent coder)`);
    assert.equal(commitLeftovers(w, ID_A, 'coder'), null, 'nothing left to commit');
    const stat = diffStat(repo, w.baseCommit, w.branch);
    assert.deepEqual(stat, {
      files: [
        { path: 'README.md', added: 1, deleted: 1 },
        { path: 'new.txt', added: 2, deleted: 0 },
      ],
      insertions: 3,
      deletions: 1,
    });
    assert.match(diffText(repo, w.baseCommit, w.branch, false), /\+agent edit/);
    assert.match(diffText(repo, w.baseCommit, w.branch, true), /2 files changed, 3 insertions\(\+\), 1 deletion\(-\)/);
    assert.equal(checkoutDigest(repo), before, "the user's HEAD, index, stash and files are byte-identical");

    removeWorktree(repo, w, false);
    assert.ok(!existsSync(path));
    assert.equal(git(repo, 'rev-parse', w.branch).trim(), commit, 'the branch stays');
    assert.deepEqual(diffStat(repo, w.baseCommit, w.branch).insertions, 3, 'the diff still works from the repository');
    // resume/retry: the same worktree and branch come back
    const again = reopenWorktree(repo, { worktree: path, branch: w.branch, baseCommit: w.baseCommit });
    assert.equal(readFileSync(join(again.worktree, 'new.txt'), 'utf8'), 'one\ntwo\n');
    removeWorktree(repo, w, true);
    assert.throws(() => git(repo, 'rev-parse', '--verify', '--quiet', w.branch), 'the branch is deleted with --delete-branch');
    assert.equal(checkoutDigest(repo), before);
  });

  it('two worktrees of one repository edit the same file independently', (t) => {
    const dir = tempDir(t);
    const repo = makeUserRepo(join(dir, 'repo'));
    const home = join(dir, 'home');
    const a = createWorktree(repo, worktreePathFor(home, ID_A), branchFor(ID_A), null);
    const b = createWorktree(repo, worktreePathFor(home, ID_B), branchFor(ID_B), null);
    writeFileSync(join(a.worktree, 'README.md'), 'from A\n');
    writeFileSync(join(b.worktree, 'README.md'), 'from B\n');
    commitLeftovers(a, ID_A, 'x');
    commitLeftovers(b, ID_B, 'y');
    assert.equal(git(repo, 'show', `${a.branch}:README.md`), 'from A\n');
    assert.equal(git(repo, 'show', `${b.branch}:README.md`), 'from B\n');
  });

  it('a workspace in a subdirectory runs in the same subdirectory of the worktree; --base picks the start', (t) => {
    const dir = tempDir(t);
    const repo = makeUserRepo(join(dir, 'repo'));
    const first = git(repo, 'rev-list', '--max-parents=0', 'HEAD').trim();
    const path = worktreePathFor(join(dir, 'home'), ID_A);
    const w = createWorktree(join(repo, 'src'), path, branchFor(ID_A), 'HEAD~1');
    assert.equal(w.cwd, join(path, 'src/'));
    assert.equal(w.baseCommit, first);
    assert.equal(readFileSync(join(path, 'README.md'), 'utf8'), 'hello\n');
  });

  it("fails with git's message: not a repository, unknown base, branch taken", (t) => {
    const dir = tempDir(t);
    const plain = join(dir, 'plain');
    mkdirSync(plain);
    const home = join(dir, 'home');
    assert.throws(
      () => createWorktree(plain, worktreePathFor(home, ID_A), branchFor(ID_A), null),
      (e: Error) => e instanceof GitError && /is not in a git repository.*not a git repository/i.test(e.message),
    );
    const repo = makeUserRepo(join(dir, 'repo'));
    assert.throws(() => createWorktree(repo, worktreePathFor(home, ID_A), branchFor(ID_A), 'no-such-ref'), /unknown base "no-such-ref"/);
    git(repo, 'branch', branchFor(ID_A));
    assert.throws(() => createWorktree(repo, worktreePathFor(home, ID_A), branchFor(ID_A), null), /already exists/, "a branch of the job's name without its worktree");
    assert.throws(() => worktreePathFor(home, '../x'), /invalid job id/);
  });

  it('an orphan worktree (its job gone) is found and removed, and git forgets it', (t) => {
    const dir = tempDir(t);
    const repo = makeUserRepo(join(dir, 'repo'));
    const home = join(dir, 'home');
    const a = createWorktree(repo, worktreePathFor(home, ID_A), branchFor(ID_A), null);
    createWorktree(repo, worktreePathFor(home, ID_B), branchFor(ID_B), null);
    const orphans = orphanWorktrees(home, (id) => id === ID_B);
    assert.deepEqual(orphans, [a.worktree]);
    removeOrphan(orphans[0]);
    assert.ok(!existsSync(a.worktree));
    assert.doesNotMatch(git(repo, 'worktree', 'list'), new RegExp(ID_A));
    assert.match(git(repo, 'worktree', 'list'), new RegExp(ID_B));
  });

  it('orphanJobWorktrees: a worktree whose job is gone is removed, one a pending job (a resume) still uses is kept', (t) => {
    const dir = tempDir(t);
    const repo = makeUserRepo(join(dir, 'repo'));
    const home = join(dir, 'home');
    const store = new JobStore(home);
    const live = store.create({ agent: 'a', prompt: 'p', workspace: repo });
    const goneId = 'job-20200101-000000-gggggggg';
    const gone = createWorktree(repo, worktreePathFor(home, goneId), branchFor(goneId), null);
    const usedId = 'job-20200101-000001-uuuuuuuu';
    const used = createWorktree(repo, worktreePathFor(home, usedId), branchFor(usedId), null);
    store.write({ ...live, worktree: used.worktree, branch: used.branch, baseCommit: used.baseCommit }); // a resume of a pruned job
    assert.deepEqual(orphanJobWorktrees(store, false), [gone.worktree]);
    assert.ok(existsSync(gone.worktree), 'listing removes nothing');
    assert.deepEqual(orphanJobWorktrees(store, true), [gone.worktree]);
    assert.ok(!existsSync(gone.worktree) && existsSync(used.worktree));
    assert.equal(git(repo, 'rev-parse', '--verify', gone.branch).trim().length, 40, 'the branch stays');
  });
});
