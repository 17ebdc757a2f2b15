/** A worktree per task, on its own branch, and their removal when the run is done with them. */
import { access, mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git, locked } from '../workspace/git';
import { worktreeOf } from '../workspace/paths';
import { gitRun } from './git-io';
import { refPart, runIdPart } from './ids';

const hasCheckout = (dir: string) =>
  access(join(dir, '.git')).then(
    () => true,
    () => false,
  );

export const taskBranch = (runId: string, phase: string, task: string) =>
  `baton/${runIdPart(runId)}/${refPart(phase, 'phase')}/${refPart(task, 'task')}`;

/**
 * The task's worktree at `<run>~worktrees/<phase>.<task>` on `baton/<run>/<phase>/<task>`, from
 * `base`. Idempotent as the phases' worktrees are: a retry reuses the checkout, or the branch.
 */
export async function createTaskWorktree(
  workspace: string,
  key: { runId: string; phase: string; task: string; base: string },
): Promise<{ worktree: string; branch: string }> {
  const branch = taskBranch(key.runId, key.phase, key.task);
  const worktree = worktreeOf(workspace, `${key.phase}.${key.task}`);
  // Locked per worktree, not per repository: adds of distinct branches and folders do not touch
  // each other's files in git, and queueing 16 of them one after another was most of a fan-out's start.
  return locked(worktree, async () => {
    if (await hasCheckout(worktree)) return { worktree, branch };
    await mkdir(dirname(worktree), { recursive: true });
    const made = await gitRun(workspace, ['worktree', 'add', '-q', '-b', branch, worktree, key.base]);
    if (made.code !== 0) {
      // A crashed attempt made the branch (and maybe half a checkout): check the branch out again.
      await rm(worktree, { recursive: true, force: true });
      await git(workspace, ['worktree', 'prune']);
      await git(workspace, ['worktree', 'add', '-q', worktree, branch]);
    }
    return { worktree, branch };
  });
}

/** The worktree's HEAD commit and branch (`HEAD` when detached). */
export async function headOf(worktree: string): Promise<{ head: string; branch: string }> {
  const [head, branch] = (await git(worktree, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD']))
    .trim()
    .split('\n');
  return { head: head as string, branch: branch as string };
}

/**
 * Removes the task worktrees and the given branches; what is gone already is fine. Only Baton's
 * own branches (`baton/…`) are deleted: a forged input cannot reach a user's branches.
 */
export async function cleanup(
  workspace: string,
  worktrees: readonly string[],
  branches: readonly string[],
): Promise<{ removed: number; deleted: number }> {
  return locked(workspace, async () => {
    let removed = 0;
    for (const worktree of worktrees) {
      const run = await gitRun(workspace, ['worktree', 'remove', '--force', worktree]);
      if (run.code === 0) removed++;
      // Not a worktree any more (or half made): its folder goes, and git forgets it.
      else await rm(worktree, { recursive: true, force: true });
      await rmdir(dirname(worktree)).catch(() => undefined);
    }
    if (removed < worktrees.length) await git(workspace, ['worktree', 'prune']);
    if (branches.length === 0) return { removed, deleted: 0 };
    const present = new Set(
      (await git(workspace, ['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/baton/'])).split(
        '\n',
      ),
    );
    const doomed = branches.filter((b) => present.has(b));
    if (doomed.length) await git(workspace, ['branch', '-D', '-q', '--', ...doomed]);
    return { removed, deleted: doomed.length };
  });
}
