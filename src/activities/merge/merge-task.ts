/**
 * `mergeTask`: one task's branch into the integration branch. The dry run and the plan touch no
 * worktree and no ref; only a merge that is fully resolved is written (as new commit objects) and
 * then fast-forwarded into the worktree. Anything that fails before leaves the branch where it was.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { MergeTaskInput, MergeTaskResult } from '../../shared/merge-contract';
import { git, locked } from '../workspace/git';
import { badInput } from '../failures';
import { findMerged, missingCommits, writeMerge } from './commits';
import { dryRun } from './dry-run';
import { editTree, gitRun } from './git-io';
import { refPart } from './ids';
import { planMerge, resolutionProblem, type Plan } from './plan';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The worktree's git dir and HEAD, and the task branch's tip, in one process when all exist. */
async function locate(dir: string, branch: string) {
  const run = await gitRun(dir, ['rev-parse', '--absolute-git-dir', 'HEAD', `refs/heads/${branch}^{commit}`]);
  const [gitDir, head, tip] = run.stdout.toString('utf8').trim().split('\n');
  if (run.code !== 0 || !gitDir || !head || !tip) {
    const known = await gitRun(dir, ['rev-parse', '--verify', '-q', 'HEAD']);
    throw badInput(
      known.code !== 0
        ? `${dir} is not a git worktree with a commit: ${run.stderr.trim().slice(0, 500)}`
        : `the task branch ${JSON.stringify(branch)} does not exist in the run's repository`,
    );
  }
  return { gitDir, head, tip };
}

/** What is not in order in the worktree: a merge in progress, uncommitted changes. */
async function untidy(dir: string, gitDir: string): Promise<{ merging: boolean; dirty: string[] }> {
  const merging = await exists(join(gitDir, 'MERGE_HEAD'));
  const status = await git(dir, ['status', '--porcelain', '-z', '--untracked-files=all']);
  return {
    merging,
    dirty: status
      .split('\0')
      .filter(Boolean)
      .map((line) => line.slice(3)),
  };
}

/** Back to HEAD: what a crash mid-checkout or a person's abandoned attempt left is dropped. */
async function tidy(dir: string, gitDir: string): Promise<void> {
  const { merging, dirty } = await untidy(dir, gitDir);
  if (merging) await git(dir, ['merge', '--abort']).catch(() => undefined);
  if (merging || dirty.length) {
    await git(dir, ['reset', '-q', '--hard', 'HEAD']);
    await git(dir, ['clean', '-q', '-fd']);
  }
}

/** Why a person's commit in the worktree cannot be taken as the merge (`contained`: HEAD has the tip). */
async function acceptProblem(
  dir: string,
  gitDir: string,
  branch: string,
  tip: string,
  contained = false,
): Promise<string> {
  const { merging, dirty } = await untidy(dir, gitDir);
  const missing: string[] = [];
  if (merging) missing.push(`the worktree ${dir} still has a merge in progress: commit it (git commit)`);
  if (dirty.length) {
    const files = dirty.slice(0, 5).join(', ') + (dirty.length > 5 ? ` and ${dirty.length - 5} more` : '');
    missing.push(`the worktree ${dir} has uncommitted changes (${files}): commit or remove them`);
  }
  if (!merging && !contained) {
    missing.push(
      `HEAD does not contain the task's tip ${tip.slice(0, 12)}: run git merge ${branch} in ${dir} (a merge, not a squash) and commit`,
    );
  }
  return missing.join('; ');
}

const result = (
  outcome: MergeTaskResult['outcome'],
  commit: string,
  plan?: Plan,
  problem?: string,
): MergeTaskResult => ({
  outcome,
  commit,
  conflicts: plan?.records ?? [],
  sides:
    outcome === 'needs-resolver'
      ? (plan?.forResolver ?? [])
      : outcome === 'conflict'
        ? [...(plan?.forResolver ?? []), ...(plan?.forHuman ?? [])]
        : [],
  renames: plan?.renames ?? 0,
  ...(problem !== undefined && { problem }),
});

export async function mergeTask(dir: string, input: MergeTaskInput): Promise<MergeTaskResult> {
  refPart(input.phase, 'phase');
  refPart(input.task, 'task');
  return locked(dir, async () => {
    const { gitDir, head, tip } = await locate(dir, input.branch);
    const done = await findMerged(dir, { phase: input.phase, task: input.task, tip });
    const commits = done ? [] : await missingCommits(dir, head, tip);
    if (commits.length === 0) {
      // Merged already (a retry after a crash), or nothing of the task is missing: it had no work,
      // or a person merged it (an approve at the gate: then the worktree must be in order too).
      if (input.acceptCommitted && !done) {
        const { merging, dirty } = await untidy(dir, gitDir);
        if (merging || dirty.length)
          return result(
            'conflict',
            head,
            undefined,
            await acceptProblem(dir, gitDir, input.branch, tip, true),
          );
      } else await tidy(dir, gitDir);
      return done
        ? { outcome: 'merged', commit: head, conflicts: done.conflicts, sides: [], renames: done.renames }
        : result('merged', head);
    }

    const dry = await dryRun(dir, head, tip);
    if (input.acceptCommitted) {
      const plan = await planMerge(dir, { ...input, resolutions: undefined }, dry, { head, tip });
      return result('conflict', head, plan, await acceptProblem(dir, gitDir, input.branch, tip));
    }
    const problem = resolutionProblem(input, dry);
    if (problem)
      return result(
        'conflict',
        head,
        await planMerge(dir, { ...input, resolutions: undefined }, dry, { head, tip }),
        problem,
      );
    const plan = await planMerge(dir, input, dry, { head, tip });
    if (plan.forResolver.length) return result('needs-resolver', head, plan);
    if (plan.forHuman.length) return result('conflict', head, plan);

    const tree = await editTree(dir, dry.tree, plan.edits);
    const commit = await writeMerge(
      dir,
      input,
      { head, tip, tree, commits },
      { conflicts: plan.records, renames: plan.renames },
    );
    await tidy(dir, gitDir);
    try {
      await git(dir, ['merge', '--ff-only', '-q', commit]);
      const after = await untidy(dir, gitDir);
      if (after.merging || after.dirty.length) {
        throw new Error(`the worktree is not clean after the merge: ${after.dirty.slice(0, 5).join(', ')}`);
      }
    } catch (error) {
      await git(dir, ['reset', '-q', '--hard', head]).catch(() => undefined);
      throw error;
    }
    return result('merged', commit, plan);
  });
}
