import {
  ApplicationFailure,
  CancellationScope,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CreateWorktreeResult, ExportTreeResult } from '../shared/activity-contract';
import { ancestors } from '../shared/dag';
import type { Definition, Phase } from '../shared/definition';
import type { OutTarget, RepoTarget } from '../shared/repo-target';
import { BATON_FAILURES } from '../shared/failure-types';
import { describeFailure } from './failures';
import type { RunStateObject } from './run-state';

/**
 * Runs started before this give every phase the run's one working tree, and call `runAgent`
 * without a worktree; they keep doing so when they replay.
 */
export const WORKTREE_PER_PHASE = 'worktree-per-phase';

// Local activities: short git operations on the worker's disk, without a round trip to the server each.
const { createWorktree, mergeWorktree, removeWorktree } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, initialInterval: '200ms' },
});
// A clone or an export of a large repository takes longer than a worktree; same worker, as it is on its disk.
const { prepareWorkspace, exportTree } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15m',
  retry: { maximumAttempts: 5, initialInterval: '1s' },
});

/** The workflow's side of the workspace: a worktree per running phase, merged back when it is done. */
export interface RunWorkspace {
  /** False in runs from before worktrees: every phase works in the run's one working tree. */
  perPhase: boolean;
  /** The run's repository (undefined in runs from before worktrees). */
  root?: string;
  /** Writes the run's main branch's tree into a directory (`--out`). */
  exportTo(out: OutTarget): Promise<ExportTreeResult>;
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
  exportTo: () => Promise.reject(new Error('runs from before worktrees cannot export')),
  worktreeFor: async () => undefined,
  merge: async () => undefined,
  release: () => undefined,
  settle: async () => undefined,
};

/**
 * Phases that can never run alongside another: every other phase comes before or after them in the
 * DAG (a plain chain is all such phases). Nothing else writes while they work, so they work in the
 * run's main checkout, and a worktree would only add its create, merge and remove.
 */
export function phasesAlone(definition: Definition): Set<string> {
  const before = new Map(definition.phases.map((p) => [p.id, ancestors(definition.phases, p.id)]));
  const ordered = (a: string, b: string) => before.get(a)?.has(b) === true || before.get(b)?.has(a) === true;
  return new Set(
    definition.phases
      // A parallel phase merges its tasks in a worktree of its own: it is the integration branch.
      .filter((p) => p.parallel === undefined)
      .filter((p) => definition.phases.every((q) => q.id === p.id || ordered(p.id, q.id)))
      .map((p) => p.id),
  );
}

/**
 * Prepares the run's repository (with worktrees) and returns the workspace the phases use. With
 * `repo`, the repository is a clone of the user's, and its main branch is published as
 * `baton/<run id>` there; a repository the worker cannot use fails the run before any phase.
 */
export async function openWorkspace(
  run: RunStateObject,
  perPhase: boolean,
  repo?: RepoTarget,
): Promise<RunWorkspace> {
  if (!perPhase) return SHARED_TREE;
  const { workflowId, runId } = workflowInfo();
  const { workspace, head } = await prepareWorkspace({ workflowId, runId, ...(repo ? { repo } : {}) }).catch(
    (error: unknown) => {
      if (!repo) throw error;
      throw ApplicationFailure.create({
        message: `The run cannot work on --repo ${repo.path}: ${describeFailure(error).message}`,
        type: BATON_FAILURES.Workspace,
        nonRetryable: true,
      });
    },
  );
  run.setResult({
    workspace,
    ...(repo ? { branch: { name: repo.branch, repo: repo.path, base: repo.base, commit: repo.commit } } : {}),
  });
  /** The run's main branch as the workflow last merged it. */
  let main = head;
  const trees = new Map<string, CreateWorktreeResult>();
  /** Merges go one at a time, in the order phases finish, so `main` is always the branch's tip. */
  let merging: Promise<unknown> = Promise.resolve();
  const removals: Promise<unknown>[] = [];
  const alone = phasesAlone(run.definition);

  /** A phase with one need starts from that need's commit; any other from main with its needs merged. */
  const baseOf = (phase: Phase): string => {
    const need = phase.needs.length === 1 ? run.phase(phase.needs[0] as string) : undefined;
    return need?.merged && need.commit ? need.commit : main;
  };

  return {
    perPhase: true,
    root: workspace,
    exportTo: (out) => exportTree({ workspace, out }),
    async worktreeFor(phase) {
      if (alone.has(phase.id)) return workspace;
      let tree = trees.get(phase.id);
      if (!tree) {
        tree = await createWorktree({ workspace, phase: phase.id, base: baseOf(phase) });
        trees.set(phase.id, tree);
      }
      return tree.worktree;
    },
    async merge(phase) {
      const status = run.phase(phase.id);
      // A phase alone committed on main itself: its commit is main's tip.
      if (alone.has(phase.id)) {
        if (status.commit) main = status.merged = status.commit;
        return;
      }
      const tree = trees.get(phase.id);
      if (!tree) return;
      const merged = merging.then(() => mergeWorktree({ workspace, phase: phase.id, branch: tree.branch }));
      merging = merged.catch(() => undefined);
      const { commit } = await merged;
      main = commit;
      status.merged = commit;
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
