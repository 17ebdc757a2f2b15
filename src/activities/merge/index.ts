/**
 * The activities of a parallel phase: task worktrees, the merge queue (dry run, classified
 * conflicts, strategies, commits a retry recognises), the rollback a failed verify needs, and the
 * clean-up. Every path in an input is checked to be inside the workspace root first.
 */
import {
  BeginMergeQueueInputSchema,
  CleanupTasksInputSchema,
  CreateTaskWorktreeInputSchema,
  MergeTaskInputSchema,
  ResetIntegrationInputSchema,
  WorktreeHeadInputSchema,
  type BeginMergeQueueInput,
  type BeginMergeQueueResult,
  type CleanupTasksInput,
  type CleanupTasksResult,
  type CreateTaskWorktreeInput,
  type CreateTaskWorktreeResult,
  type MergeTaskInput,
  type MergeTaskResult,
  type ResetIntegrationInput,
  type ResetIntegrationResult,
  type WorktreeHeadInput,
  type WorktreeHeadResult,
} from '../../shared/merge-contract';
import { badInput } from '../failures';
import { insideRoot } from '../workspace/paths';
import { mergeTask } from './merge-task';
import { beginQueue, recoveryRef, resetTo } from './queue';
import { cleanup, createTaskWorktree, headOf } from './task-worktrees';

export function createMergeActivities({ workspaceRoot }: { workspaceRoot: string }) {
  const workspaceIn = (path: string) => insideRoot(workspaceRoot, path, 'workspace');
  const worktreeIn = (path: string) => insideRoot(workspaceRoot, path, 'worktree');
  return {
    /** A worktree for one task, on `baton/<run>/<phase>/<task>`, from the parallel phase's base. */
    async createTaskWorktree(raw: CreateTaskWorktreeInput): Promise<CreateTaskWorktreeResult> {
      const { workspace, ...key } = CreateTaskWorktreeInputSchema.parse(raw);
      return createTaskWorktree(workspaceIn(workspace), key);
    },
    /** The worktree's HEAD commit and branch. */
    async worktreeHead(raw: WorktreeHeadInput): Promise<WorktreeHeadResult> {
      return headOf(worktreeIn(WorktreeHeadInputSchema.parse(raw).worktree));
    },
    /** The recovery ref `refs/baton/recovery/<phase>/<run>/<pass>` at the integration branch's tip. */
    async beginMergeQueue(raw: BeginMergeQueueInput): Promise<BeginMergeQueueResult> {
      const { worktree, phase, run, pass } = BeginMergeQueueInputSchema.parse(raw);
      return beginQueue(worktreeIn(worktree), recoveryRef(phase, run, pass));
    },
    /** Merges one task's branch into the integration branch, or says what it needs (see the contract). */
    async mergeTask(raw: MergeTaskInput): Promise<MergeTaskResult> {
      const input = MergeTaskInputSchema.parse(raw);
      return mergeTask(worktreeIn(input.worktree), input);
    },
    /** `git reset --hard <to>` and `git clean -fd` in the integration worktree (a failed verify). */
    async resetIntegration(raw: ResetIntegrationInput): Promise<ResetIntegrationResult> {
      const { worktree, to } = ResetIntegrationInputSchema.parse(raw);
      return resetTo(worktreeIn(worktree), to);
    },
    /** Removes task worktrees and (with `deleteBranches`) their branches; idempotent. */
    async cleanupTasks(raw: CleanupTasksInput): Promise<CleanupTasksResult> {
      const input = CleanupTasksInputSchema.parse(raw);
      const bad = input.branches.filter((b) => !b.startsWith('baton/'));
      if (input.deleteBranches && bad.length) {
        throw badInput(
          `only Baton's task branches (baton/…) are deleted here, not ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
        );
      }
      return cleanup(
        workspaceIn(input.workspace),
        input.worktrees.map(worktreeIn),
        input.deleteBranches ? input.branches : [],
      );
    },
  };
}

export type MergeActivities = ReturnType<typeof createMergeActivities>;
