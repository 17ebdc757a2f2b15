import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import { BATON_FAILURES } from '../../../shared/failure-types';
import { DEFAULT_MERGE } from '../../../shared/parallel';
import type { ArtifactRef } from '../../../shared/status';
import { describeFailure } from '../../failures';
import type { PhaseExecutor, PhaseRunResult } from '../executor';
import { fanOut, type FanOutResult } from './fan-out';
import { mergeQueue } from './merge-queue';
import { resolveTasks } from './tasks';
import { createParallelView } from './view';

const { worktreeHead, cleanupTasks } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, initialInterval: '500ms' },
});

/**
 * Kind `parallel`: the phase's tasks run side by side as child workflows, each in its own worktree
 * and branch from the commit the phase started on; the merge queue then merges their branches into
 * the phase's own branch (the integration branch) and verifies the result. Whatever happens, no task
 * worktree is left behind, and a cancel or reject deletes the task branches too.
 */
export const runParallelPhase: PhaseExecutor = async ({ phase, run: phaseRun, worktree, context }) => {
  if (!context || !worktree || !phase.parallel || !context.workspace.root) {
    throw ApplicationFailure.nonRetryable(
      `phase "${phase.id}" is parallel, which needs a worktree per phase; this run started before them`,
      BATON_FAILURES.InvalidDefinition,
    );
  }
  const ctx = context;
  const workspace = context.workspace.root;
  const merge = phase.merge ?? DEFAULT_MERGE;
  const { keepBranches } = phase.parallel;
  const tasks = await resolveTasks(ctx.run, phase);
  const { head: base, branch } = await worktreeHead({ worktree });
  const view = createParallelView(ctx.run, phase, tasks);
  view.status.integration = { branch, worktree };
  ctx.run.publish();

  /** How the phase ended, for the clean-up: only a success or a stop deletes the task branches. */
  let ended: 'ok' | 'stopped' | 'failed' = 'failed';
  try {
    const fan: FanOutResult = await fanOut(ctx, phase, tasks, view, base, phaseRun);
    if (fan.speedup !== undefined) view.status.speedup = Math.round(fan.speedup * 100) / 100;
    if (fan.failure) {
      const error = describeFailure(fan.failure.error);
      throw ApplicationFailure.create({
        message: `task "${fan.failure.task}" failed (onTaskFailure: fail-run): ${error.message}`,
        type: error.type ?? BATON_FAILURES.PhaseFailed,
        nonRetryable: true,
      });
    }
    if (ctx.run.stopped) {
      ended = 'stopped';
      throw new CancelledFailure('the run stopped');
    }
    const queued = await mergeQueue(
      { ctx, phase, merge, view, worktree, finished: fan.finished, phaseRun },
      fan.done,
    );
    if (!queued) {
      ended = 'stopped';
      throw new CancelledFailure('the run stopped');
    }
    ended = 'ok';
    const merged = fan.done.filter((d) => queued.merged.includes(d.task.id));
    return resultOf(merged, queued.commit, view.status);
  } catch (error) {
    if (error instanceof CancelledFailure || ctx.run.stopped) ended = 'stopped';
    throw error;
  } finally {
    // Compensation: must run when the run is being cancelled too, and again harmlessly on replay.
    const rows = view.status.tasks.filter((t) => t.runs > 0);
    await CancellationScope.nonCancellable(() =>
      cleanupTasks({
        workspace,
        worktrees: rows.map((t) => `${workspace}~worktrees/${phase.id}.${t.id}`),
        branches: rows.map((t) => t.branch ?? `baton/${workflowInfo().runId}/${phase.id}/${t.id}`),
        deleteBranches: ended !== 'failed' && !keepBranches,
      }),
    ).catch(() => undefined);
  }
};

function resultOf(
  merged: FanOutResult['done'],
  commit: string,
  status: ReturnType<typeof createParallelView>['status'],
): PhaseRunResult {
  const usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };
  const artifacts = new Map<string, ArtifactRef>();
  for (const done of merged) {
    usage.inputTokens += done.usage.inputTokens ?? 0;
    usage.outputTokens += done.usage.outputTokens ?? 0;
    usage.costUsd += done.usage.costUsd ?? 0;
    usage.calls += done.usage.calls ?? 0;
    for (const a of done.artifacts) artifacts.set(a.name, a);
  }
  return {
    output: {
      tasks: Object.fromEntries(merged.map((d) => [d.task.id, d.output])),
      merged: merged.map((d) => d.task.id),
      dropped: status.tasks.filter((t) => t.state === 'dropped').map((t) => t.id),
      conflicts: status.conflicts,
      commit,
    },
    attempts: merged.reduce((n, d) => n + d.attempts, 0),
    commit,
    artifacts: [...artifacts.values()],
    usage,
    withoutLlm: [...new Set(merged.filter((d) => d.withoutLlm).map((d) => d.task.agent))],
  };
}
