import { access, mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { MergeWorktreeResult } from '../../shared/activity-contract';
import { git, locked } from './git';
import { branchOf, worktreeOf } from './paths';
import { publishBranch } from './user-repo';
import { BATON_FAILURES } from '../../shared/failure-types';

// Each git command is a process: the happy paths below run one or two, and look further only on a retry.

/** True when `dir` holds a checkout's `.git` link (a worktree made by `git worktree add`). */
const hasCheckout = (dir: string) =>
  access(join(dir, '.git')).then(
    () => true,
    () => false,
  );

/**
 * Gives the phase its own worktree on its own branch, starting at `base`. Idempotent: a retry finds
 * the worktree (or the branch, when only the checkout was lost) and reuses it.
 */
export async function createWorktree(
  workspace: string,
  phase: string,
  base: string,
): Promise<{ worktree: string; branch: string }> {
  const worktree = worktreeOf(workspace, phase);
  const branch = branchOf(phase);
  return locked(workspace, async () => {
    if (await hasCheckout(worktree)) return { worktree, branch };
    await mkdir(dirname(worktree), { recursive: true });
    const made = await git(workspace, ['worktree', 'add', '-q', '-b', branch, worktree, base]).then(
      () => true,
      () => false,
    );
    if (!made) {
      // A crashed attempt made the branch (and maybe half a checkout): check the branch out again.
      await rm(worktree, { recursive: true, force: true });
      await git(workspace, ['worktree', 'prune']);
      await git(workspace, ['worktree', 'add', '-q', worktree, branch]);
    }
    return { worktree, branch };
  });
}

/**
 * Merges the phase's branch into the run's main branch (checked out in the workspace): a
 * fast-forward when main has not moved since the phase started, a merge commit otherwise. A
 * conflict leaves main as it was and fails non-retryably, naming the files. Merges of one workspace
 * queue behind each other; a retry after a merge that went through finds it merged ("up to date").
 */
export async function mergeWorktree(
  workspace: string,
  phase: string,
  branch: string,
): Promise<MergeWorktreeResult> {
  return locked(workspace, async () => {
    const ref = `refs/heads/${branch}`;
    // --ff: a fast-forward when possible, a merge commit otherwise, whatever the user's git config says.
    const args = ['merge', '-q', '--ff', '--no-verify', '-m', `baton: merge ${phase}`, ref];
    const failure = await git(workspace, args).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    if (failure !== undefined) {
      const files = (await git(workspace, ['diff', '--name-only', '-z', '--diff-filter=U']))
        .split('\0')
        .filter(Boolean);
      await git(workspace, ['merge', '--abort']).catch(() => undefined);
      // No conflicted file: git failed for another reason (a lock, the disk), which a retry may get past.
      if (files.length === 0) throw failure;
      throw ApplicationFailure.create({
        message: `Merging phase "${phase}" into the run's main branch conflicts in ${files.map((f) => JSON.stringify(f)).join(', ')}; its work stays on branch ${branch}`,
        type: BATON_FAILURES.MergeConflict,
        nonRetryable: true,
        details: [{ phase, branch, files }],
      });
    }
    const [head, tip] = (await git(workspace, ['rev-parse', 'HEAD', ref])).trim().split('\n');
    await publishBranch(workspace);
    return { commit: head as string, fastForward: head === tip };
  });
}

/**
 * Removes the phase's checkout; its branch (and so its commits) stays in the repository. Not queued
 * behind the workspace's merges and new worktrees: it touches neither the main checkout nor theirs.
 */
export async function removeWorktree(workspace: string, worktree: string): Promise<boolean> {
  return locked(worktree, async () => {
    const removed = await git(workspace, ['worktree', 'remove', '--force', worktree]).then(
      () => true,
      () => false,
    );
    // Not a worktree (any more): nothing to remove; git prunes what it still records of it by itself.
    // The folder of the run's worktrees goes with its last one.
    await rmdir(dirname(worktree)).catch(() => undefined);
    return removed;
  });
}
