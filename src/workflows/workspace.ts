import { CancellationScope, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CreateWorktreeResult } from '../shared/activity-contract';
import type { Phase } from '../shared/definition';
import type { RunStateObject } from './run-state';

/**
 * Runs started before this give every phase the run's one working tree, and call `runAgent`
 * without a worktree; they keep doing so when they replay.
 */
export const WORKTREE_PER_PHASE = 'worktree-per-phase';

// Local activities: short git operations on the worker's disk, without a round trip to the server each.
const { prepareWorkspace, createWorktree, mergeWorktree, removeWorktree } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, initialInterval: '200ms' },
});

/** The workflow's side of the workspace: a worktree per running phase, merged back when it is done. */
export interface RunWorkspace {
  /** False in runs from before worktrees: every phase works in the run's one working tree. */
  perPhase: boolean;
  /** Where the phase works: its worktree, created from its needs' work on first use. */
  worktreeFor(phase: Phase): Promise<string | undefined>;
  /** Merges the phase's branch into the run's main branch; throws (Baton.MergeConflict) on a conflict. */
  merge(phase: Phase): Promise<void>;
  /** Removes the phase's worktree in the background; `settle` waits for every removal. */
  release(phase: Phase): void;
  settle(): Promise<void>;
}

/** Runs from before worktrees: every phase works in the run's workspace, which runAgent finds itself. */
const SHARED_TREE: RunWorkspace = {
  perPhase: false,
  worktreeFor: async () => undefined,
  merge: async () => undefined,
  release: () => undefined,
  settle: async () => undefined,
};

/** Prepares the run's repository (with worktrees) and returns the workspace the phases use. */
export async function openWorkspace(run: RunStateObject, perPhase: boolean): Promise<RunWorkspace> {
  if (!perPhase) return SHARED_TREE;
  const { workflowId, runId } = workflowInfo();
  const { workspace, head } = await prepareWorkspace({ workflowId, runId });
  /** The run's main branch as the workflow last merged it. */
  let main = head;
  const trees = new Map<string, CreateWorktreeResult>();
  /** Merges go one at a time, in the order phases finish, so `main` is always the branch's tip. */
  let merging: Promise<unknown> = Promise.resolve();
  const removals: Promise<unknown>[] = [];

  /** A phase with one need starts from that need's commit; any other from main with its needs merged. */
  const baseOf = (phase: Phase): string => {
    const need = phase.needs.length === 1 ? run.phase(phase.needs[0] as string) : undefined;
    return need?.merged && need.commit ? need.commit : main;
  };

  return {
    perPhase: true,
    async worktreeFor(phase) {
      let tree = trees.get(phase.id);
      if (!tree) {
        tree = await createWorktree({ workspace, phase: phase.id, base: baseOf(phase) });
        trees.set(phase.id, tree);
      }
      return tree.worktree;
    },
    async merge(phase) {
      const tree = trees.get(phase.id);
      if (!tree) return;
      const merged = merging.then(() => mergeWorktree({ workspace, phase: phase.id, branch: tree.branch }));
      merging = merged.catch(() => undefined);
      const { commit } = await merged;
      main = commit;
      run.phase(phase.id).merged = commit;
    },
    release(phase) {
      const tree = trees.get(phase.id);
      if (!tree) return;
      trees.delete(phase.id);
      // Cleanup must happen even when the run is being cancelled; a leftover checkout is harmless.
      removals.push(
        CancellationScope.nonCancellable(() => removeWorktree({ workspace, worktree: tree.worktree })).catch(
          () => undefined,
        ),
      );
    },
    async settle() {
      await Promise.all(removals);
    },
  };
}
