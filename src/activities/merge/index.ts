import type {
  BeginMergeQueueInput,
  BeginMergeQueueResult,
  CleanupTasksInput,
  CleanupTasksResult,
  CreateTaskWorktreeInput,
  CreateTaskWorktreeResult,
  MergeTaskInput,
  MergeTaskResult,
  ResetIntegrationInput,
  ResetIntegrationResult,
  WorktreeHeadInput,
  WorktreeHeadResult,
} from '../../shared/merge-contract';

// Placeholder: the merge-queue helper replaces this module with the real activities.
const todo = (name: string) => () => Promise.reject(new Error(`${name} is not implemented yet`));

/** The activities of a parallel phase: task worktrees, the merge queue, clean-up. */
export function createMergeActivities(_deps: { workspaceRoot: string }) {
  return {
    createTaskWorktree: todo('createTaskWorktree') as (
      i: CreateTaskWorktreeInput,
    ) => Promise<CreateTaskWorktreeResult>,
    worktreeHead: todo('worktreeHead') as (i: WorktreeHeadInput) => Promise<WorktreeHeadResult>,
    beginMergeQueue: todo('beginMergeQueue') as (i: BeginMergeQueueInput) => Promise<BeginMergeQueueResult>,
    mergeTask: todo('mergeTask') as (i: MergeTaskInput) => Promise<MergeTaskResult>,
    resetIntegration: todo('resetIntegration') as (
      i: ResetIntegrationInput,
    ) => Promise<ResetIntegrationResult>,
    cleanupTasks: todo('cleanupTasks') as (i: CleanupTasksInput) => Promise<CleanupTasksResult>,
  };
}
