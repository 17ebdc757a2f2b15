import { mkdir, realpath, rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { MergeWorktreeResult } from '../../shared/activity-contract';
import { git, gitSucceeds, locked } from './git';
import { branchOf, worktreeOf } from './paths';
import { headOf } from './repository';

/** True when `dir` is the top of a git worktree (not merely a folder inside some repository). */
async function isWorktree(dir: string): Promise<boolean> {
  const top = await git(dir, ['rev-parse', '--show-toplevel']).then(
    (out) => realpath(out.trim()),
    () => undefined,
  );
  return top !== undefined && top === (await realpath(dir).catch(() => undefined));
}

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
    if (await isWorktree(worktree)) return { worktree, branch };
    // A half-made checkout from a crashed attempt: start it again.
    await rm(worktree, { recursive: true, force: true });
    await git(workspace, ['worktree', 'prune']);
    await mkdir(dirname(worktree), { recursive: true });
    const exists = await gitSucceeds(workspace, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    await git(
      workspace,
      exists
        ? ['worktree', 'add', '-q', worktree, branch]
        : ['worktree', 'add', '-q', '-b', branch, worktree, base],
    );
    return { worktree, branch };
  });
}

/**
 * Merges the phase's branch into the run's main branch (checked out in the workspace): a
 * fast-forward when main has not moved since the phase started, a merge commit otherwise. A
 * conflict leaves main as it was and fails non-retryably, naming the files. Merges of one workspace
 * queue behind each other; a retry after a merge that went through returns main as it is.
 */
export async function mergeWorktree(
  workspace: string,
  phase: string,
  branch: string,
): Promise<MergeWorktreeResult> {
  return locked(workspace, async () => {
    const tip = (await git(workspace, ['rev-parse', '--verify', `refs/heads/${branch}`])).trim();
    if (await gitSucceeds(workspace, ['merge-base', '--is-ancestor', tip, 'HEAD'])) {
      return { commit: await headOf(workspace), fastForward: (await headOf(workspace)) === tip };
    }
    if (await gitSucceeds(workspace, ['merge-base', '--is-ancestor', 'HEAD', tip])) {
      await git(workspace, ['merge', '-q', '--ff-only', tip]);
      return { commit: await headOf(workspace), fastForward: true };
    }
    const merged = await git(workspace, [
      'merge',
      '-q',
      '--no-ff',
      '--no-verify',
      '-m',
      `baton: merge ${phase}`,
      tip,
    ]).then(
      () => true,
      () => false,
    );
    if (!merged) {
      const files = (await git(workspace, ['diff', '--name-only', '-z', '--diff-filter=U']))
        .split('\0')
        .filter(Boolean);
      await git(workspace, ['merge', '--abort']).catch(() => undefined);
      throw ApplicationFailure.create({
        message: `Merging phase "${phase}" into the run's main branch conflicts in ${files.length ? files.map((f) => JSON.stringify(f)).join(', ') : '(no file named by git)'}; its work stays on branch ${branch}`,
        type: 'Baton.MergeConflict',
        nonRetryable: true,
        details: [{ phase, branch, files }],
      });
    }
    return { commit: await headOf(workspace), fastForward: false };
  });
}

/** Removes the phase's checkout; its branch (and so its commits) stays in the repository. */
export async function removeWorktree(workspace: string, worktree: string): Promise<boolean> {
  return locked(workspace, async () => {
    const present = await isWorktree(worktree);
    if (present) await git(workspace, ['worktree', 'remove', '--force', worktree]);
    await git(workspace, ['worktree', 'prune']);
    // The folder of the run's worktrees goes with its last one.
    await rmdir(dirname(worktree)).catch(() => undefined);
    return present;
  });
}
