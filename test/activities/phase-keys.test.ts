import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitPhase, ensureRepository, lookupPhaseCommit } from '../../src/activities/workspace/repository';
import { createWorktree, removeWorktree } from '../../src/activities/workspace/worktrees';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString().trim();
const key = (phase: string, run = 1) => ({ workflowId: 'wf-1', runId: 'r-1', phase, run });
/** A phase run as runAgent does it: the lookup, then the commit. */
async function commit(dir: string, phase: string, run = 1) {
  expect((await lookupPhaseCommit(dir, key(phase, run))).commit).toBeUndefined();
  return commitPhase(dir, { ...key(phase, run), attempt: 1, agent: 'writer' });
}

async function repository() {
  const dir = join(await mkdtemp(join(tmpdir(), 'baton-keys-')), 'ws');
  await ensureRepository(dir, 'wf-1');
  return dir;
}

/** A commit with a phase's trailer made by plain git: another process, an older Baton, a crash before the index. */
function foreignCommit(dir: string, phase: string) {
  git(dir, 'commit', '-q', '--allow-empty', '-m', `by hand\n\nBaton-Key: wf-1/r-1/${phase}/1`);
  return git(dir, 'rev-parse', 'HEAD');
}

describe("the repository's index of phase keys", () => {
  it('answers a first run of a phase without git once it has been built, and still finds committed ones', async () => {
    const dir = await repository();
    // Nothing indexed yet: git answers, and builds the index.
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: undefined, via: 'git' });
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: undefined, via: 'index' });
    const a = await commit(dir, 'a');
    // The commit kept the index complete: the next phase's lookup needs no git.
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: undefined, via: 'index' });
    // Run 1 of a is committed: the index sends it to git, which tells the commit (a retry).
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: a.commit, via: 'git' });
    // Run 10 is not run 1.
    expect(await lookupPhaseCommit(dir, key('a', 10))).toEqual({ commit: undefined, via: 'index' });
  });

  it('never answers "not committed" for a commit it did not see', async () => {
    const dir = await repository();
    await commit(dir, 'a');
    expect((await lookupPhaseCommit(dir, key('b'))).via).toBe('index');
    // A commit the index was not told about (HEAD moved under it) is found through git.
    const b = foreignCommit(dir, 'b');
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: b, via: 'git' });
    // Rebuilt, the index answers again for what has no commit.
    expect(await lookupPhaseCommit(dir, key('c'))).toEqual({ commit: undefined, via: 'index' });
  });

  it('follows HEAD back after a reset: what is no longer in history is not committed', async () => {
    const dir = await repository();
    const a = await commit(dir, 'a');
    await commit(dir, 'b');
    git(dir, 'reset', '-q', '--hard', a.commit);
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: undefined, via: 'git' });
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: a.commit, via: 'git' });
  });

  it('reads packed refs, and falls back to git when it cannot read HEAD or its index is gone', async () => {
    const dir = await repository();
    const a = await commit(dir, 'a');
    git(dir, 'pack-refs', '--all');
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: undefined, via: 'index' });
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: a.commit, via: 'git' });
    await rm(join(dir, '.git', 'baton-keys'), { recursive: true });
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: undefined, via: 'git' });
    git(dir, 'checkout', '-q', '--detach');
    expect(await lookupPhaseCommit(dir, key('b'))).toEqual({ commit: undefined, via: 'index' });
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: a.commit, via: 'git' });
  });

  it('keeps a linked worktree apart: its history, its own index', async () => {
    const dir = await repository();
    const a = await commit(dir, 'a');
    const tree = await createWorktree(dir, 'p', a.commit);
    // The worktree's history has a's commit; its index is built from it on first use.
    expect(await lookupPhaseCommit(tree.worktree, key('a'))).toEqual({ commit: a.commit, via: 'git' });
    expect(await lookupPhaseCommit(tree.worktree, key('p'))).toEqual({ commit: undefined, via: 'index' });
    const p = await commit(tree.worktree, 'p');
    expect(await lookupPhaseCommit(tree.worktree, key('p'))).toEqual({ commit: p.commit, via: 'git' });
    expect(await lookupPhaseCommit(tree.worktree, key('q'))).toEqual({ commit: undefined, via: 'index' });
    // The main checkout did not move: p is not in its history.
    expect(await lookupPhaseCommit(dir, key('p'))).toEqual({ commit: undefined, via: 'index' });
    expect(await lookupPhaseCommit(dir, key('a'))).toEqual({ commit: a.commit, via: 'git' });
    // Merged into main (HEAD moves), main finds p through git.
    git(dir, 'merge', '-q', '--ff-only', tree.branch);
    expect(await lookupPhaseCommit(dir, key('p'))).toEqual({ commit: p.commit, via: 'git' });
    // Removed, the worktree's index goes with it; made again (on its branch), the new one is built
    // from the branch's history.
    expect(await removeWorktree(dir, tree.worktree)).toBe(true);
    const again = await createWorktree(dir, 'p', a.commit);
    expect(await lookupPhaseCommit(again.worktree, key('p'))).toEqual({ commit: p.commit, via: 'git' });
    expect(await lookupPhaseCommit(again.worktree, key('q'))).toEqual({ commit: undefined, via: 'index' });
  });
});
