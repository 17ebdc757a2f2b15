import {
  CommitWorktreeInputSchema,
  CreateWorktreeInputSchema,
  ExportTreeInputSchema,
  type ExportTreeInput,
  type ExportTreeResult,
  MergeWorktreeInputSchema,
  PrepareWorkspaceInputSchema,
  RemoveWorktreeInputSchema,
  type CommitWorktreeInput,
  type CommitWorktreeResult,
  type CreateWorktreeInput,
  type CreateWorktreeResult,
  type MergeWorktreeInput,
  type MergeWorktreeResult,
  type PrepareWorkspaceInput,
  type PrepareWorkspaceResult,
  type RemoveWorktreeInput,
  type RemoveWorktreeResult,
} from '../../shared/activity-contract';
import { insideRoot, workspaceOf } from './paths';
import { commitPhase, ensureRepository, headOf } from './repository';
import { createWorktree, mergeWorktree, removeWorktree } from './worktrees';
import { exportTree } from './export';
import { cloneUserRepo } from './user-repo';

/**
 * The workspace activities. The workflow gets the workspace from `prepareWorkspace` and each
 * worktree from `createWorktree`, and passes them on; every path that comes back in an input is
 * checked to be inside the workspace root, so a forged input cannot reach outside it.
 */
export function createWorkspaceActivities({ workspaceRoot }: { workspaceRoot: string }) {
  const workspaceIn = (path: string) => insideRoot(workspaceRoot, path, 'workspace');
  const worktreeIn = (path: string) => insideRoot(workspaceRoot, path, 'worktree');
  return {
    /** Creates (or finds) the run's repository, keyed by workflow id and run id: a clone with `repo`. */
    async prepareWorkspace(raw: PrepareWorkspaceInput): Promise<PrepareWorkspaceResult> {
      const { workflowId, runId, repo } = PrepareWorkspaceInputSchema.parse(raw);
      const workspace = workspaceOf(workspaceRoot, workflowId, runId);
      if (repo) await cloneUserRepo(workspace, repo);
      else await ensureRepository(workspace, workflowId);
      return { workspace, head: await headOf(workspace) };
    },
    /** A worktree for the phase, on branch `baton/<phase>`, from the commit its needs produced. */
    async createWorktree(raw: CreateWorktreeInput): Promise<CreateWorktreeResult> {
      const { workspace, phase, base } = CreateWorktreeInputSchema.parse(raw);
      return createWorktree(workspaceIn(workspace), phase, base);
    },
    /** Commits everything in the worktree as one run of the phase, with its `Baton-Key` trailer. */
    async commitWorktree(raw: CommitWorktreeInput): Promise<CommitWorktreeResult> {
      const { worktree, ...key } = CommitWorktreeInputSchema.parse(raw);
      return commitPhase(worktreeIn(worktree), key);
    },
    /** Merges the phase's branch into main: fast-forward when possible, else a merge commit. */
    async mergeWorktree(raw: MergeWorktreeInput): Promise<MergeWorktreeResult> {
      const { workspace, phase, branch } = MergeWorktreeInputSchema.parse(raw);
      return mergeWorktree(workspaceIn(workspace), phase, branch);
    },
    /** Writes the run's final tree into `out.dir` (`--out`). */
    async exportTree(raw: ExportTreeInput): Promise<ExportTreeResult> {
      const { workspace, out } = ExportTreeInputSchema.parse(raw);
      return exportTree(workspaceIn(workspace), out);
    },
    /** Removes the phase's checkout; its branch stays. */
    async removeWorktree(raw: RemoveWorktreeInput): Promise<RemoveWorktreeResult> {
      const { workspace, worktree } = RemoveWorktreeInputSchema.parse(raw);
      return { removed: await removeWorktree(workspaceIn(workspace), worktreeIn(worktree)) };
    },
  };
}

export type WorkspaceActivities = ReturnType<typeof createWorkspaceActivities>;
