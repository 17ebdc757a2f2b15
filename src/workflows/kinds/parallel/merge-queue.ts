import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import type { Phase } from '../../../shared/definition';
import type { Resolutions, MergeTaskResult } from '../../../shared/merge-contract';
import { verifyOf, type ConflictRecord, type Merge, type MergeQueueEntry } from '../../../shared/parallel';
import { describeFailure } from '../../failures';
import { awaitDecision } from '../../gate';
import { conflictsSettled } from '../../metrics';
import { heartbeatMsOf } from '../agent';
import type { PhaseRunContext } from '../executor';
import type { TaskDone } from './fan-out';
import type { ParallelView } from './view';

// Git work on the worker's disk: local activities, one marker each in history.
const { beginMergeQueue, mergeTask, resetIntegration, cleanupTasks } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 5, initialInterval: '500ms' },
});

const NO_TIMEOUT = { onTimeout: 'reject' } as const;
const DEFAULT_RESOLVER = 'merge-resolver';

export interface QueueResult {
  /** The integration branch's tip with every merged task. */
  commit: string;
  merged: string[];
}

interface Pass {
  ctx: PhaseRunContext;
  phase: Phase;
  merge: Merge;
  view: ParallelView;
  worktree: string;
  finished: string[];
  phaseRun: number;
}

/**
 * Runs the verify or resolver agent in the integration worktree (its commit lands there). Its
 * heartbeat timeout is the phase's, as for any agent; it was a fixed 5 minutes, so a worker SIGKILLed
 * during the verify held the run that long (bench/chaos.ts). Replay ignores timeouts.
 */
function agentRun(phase: Phase, timeout: string | number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: timeout,
    heartbeatTimeout: heartbeatMsOf(phase),
    retry: { maximumAttempts: 2, initialInterval: '1s' },
    summary: `${phase.id}: merge queue`,
  }).runAgent;
}

/**
 * The merge queue: merges the tasks' branches into the integration branch one at a time, in
 * dependency order, then runs `verify` on the merged tree. A conflict its rules cannot settle opens a
 * `conflict` gate; a failed verify rolls the branch back to its recovery ref and opens a `verify`
 * gate. Returns undefined when the run stopped (a reject) meanwhile.
 */
export async function mergeQueue(pass: Pass, tasks: TaskDone[]): Promise<QueueResult | undefined> {
  const { ctx, phase, merge, view, worktree, phaseRun } = pass;
  const verify = verifyOf(merge);
  let included = tasks;
  for (let round = 1; ; round++) {
    const { recovery } = await beginMergeQueue({ worktree, phase: phase.id, run: phaseRun, pass: round });
    const integration = view.status.integration;
    if (integration) integration.recovery = recovery;
    view.status.queue = included.map((t) => ({ task: t.task.id, state: 'queued' }));
    ctx.run.publish();
    let head = recovery;
    const merged: string[] = [];
    let renames = 0;
    for (const [i, done] of included.entries()) {
      const entry = view.status.queue[i] as MergeQueueEntry;
      const result = await mergeOne(pass, done, entry, merged, renames);
      if (result === 'stopped') return undefined;
      if (result === 'dropped') continue;
      head = result.commit;
      renames += result.renames;
      merged.push(done.task.id);
      // Its work is on the integration branch now: the task's checkout has done its job.
      await cleanupTasks({
        workspace: ctx.workspace.root as string,
        worktrees: [done.worktree],
        branches: [],
        deleteBranches: false,
      });
    }
    if (!verify) return { commit: head, merged };

    view.status.verify = { agent: verify.agent, state: 'running' };
    ctx.run.publish();
    const error = await agentRun(
      phase,
      '30m',
    )({
      workflowId: workflowInfo().workflowId,
      runId: workflowInfo().runId,
      phase: `${phase.id}+verify${phaseRun}`,
      agent: verify.agent,
      input: verify.input,
      run: round,
      worktree,
    }).then(
      (result) => {
        head = result.commit;
        return undefined;
      },
      (failure: unknown) => describeFailure(failure),
    );
    if (!error) {
      view.status.verify = { agent: verify.agent, state: 'passed' };
      ctx.run.publish();
      return { commit: head, merged };
    }
    // Seed 000's automatic rollback: the integration branch goes back to where the queue began.
    await resetIntegration({ worktree, to: recovery });
    view.status.verify = { agent: verify.agent, state: 'failed', error: error.message };
    ctx.run.publish();
    const decision = await awaitDecision(ctx.run, phase, 'verify', NO_TIMEOUT, {
      reason: `verify (${verify.agent}) failed on the merged tree: ${error.message}`,
      error,
      tasks: merged,
      recovery,
    });
    if (!decision) return undefined;
    if (decision.action === 'reject') {
      ctx.reject(decision, phase.id);
      return undefined;
    }
    if (decision.action === 'modify') {
      const drop = new Set((decision.changes as { drop?: string[] } | undefined)?.drop ?? []);
      for (const id of drop) view.drop(id, `dropped at the verify gate by ${decision.by}`);
      included = included.filter((t) => !drop.has(t.task.id));
    }
  }
}

/** Merges one task, through as many gates and resolver runs as it takes. */
async function mergeOne(
  { ctx, phase, merge, view, worktree, finished, phaseRun }: Pass,
  done: TaskDone,
  entry: MergeQueueEntry,
  merged: readonly string[],
  renames: number,
): Promise<MergeTaskResult | 'dropped' | 'stopped'> {
  const task = done.task.id;
  /** A person's resolutions, kept over gate rounds: mergeTask does not remember them. */
  let resolutions: Resolutions = {};
  let resolver: { resolverResolutions: Record<string, string> } | { resolverFailed: string } | undefined;
  let acceptCommitted = false;
  /** What the last conflict showed: an approve's merge reports none, so these are what a person settled. */
  let lastConflicts: ConflictRecord[] = [];
  for (;;) {
    entry.state = 'merging';
    ctx.run.publish();
    const started = Date.now();
    const result = await mergeTask({
      worktree,
      phase: phase.id,
      task,
      branch: done.branch,
      strategy: merge.strategy,
      rules: merge.conflicts,
      finished,
      merged: [...merged],
      renames,
      ...(Object.keys(resolutions).length ? { resolutions } : {}),
      ...(resolver ?? {}),
      ...(acceptCommitted ? { acceptCommitted } : {}),
    });
    if (result.outcome === 'needs-resolver' && resolver === undefined) {
      resolver = await runResolver(phase, merge, task, result, worktree, phaseRun);
      continue;
    }
    if (result.outcome === 'merged') {
      entry.state = 'merged';
      entry.commit = result.commit;
      entry.ms = Date.now() - started;
      const records =
        acceptCommitted && result.conflicts.length === 0
          ? lastConflicts.map((c) => ({ ...c, outcome: 'human' as const }))
          : result.conflicts;
      view.recordConflicts(task, records);
      conflictsSettled(ctx.run.templateName, records);
      ctx.run.publish();
      return result;
    }
    entry.state = 'conflict';
    lastConflicts = result.conflicts;
    view.recordConflicts(task, result.conflicts);
    const files = result.sides.map((s) => s.path);
    const decision = await awaitDecision(ctx.run, phase, 'conflict', NO_TIMEOUT, {
      task,
      branch: done.branch,
      worktree,
      conflicts: result.sides,
      reason: `task "${task}" conflicts with the integration branch in ${files.map((f) => JSON.stringify(f)).join(', ') || 'its files'}`,
      ...(result.problem ? { error: { message: result.problem } } : {}),
    });
    if (!decision) return 'stopped';
    acceptCommitted = false;
    switch (decision.action) {
      case 'approve':
        acceptCommitted = true;
        break;
      case 'modify':
        resolutions = { ...resolutions, ...(decision.changes as { resolutions: Resolutions }).resolutions };
        break;
      case 'retry':
        // Start over: the rules and the resolver get another go, and earlier resolutions are dropped.
        resolutions = {};
        resolver = undefined;
        break;
      case 'skip':
        entry.state = 'dropped';
        view.drop(task, `left out of the merge at the conflict gate by ${decision.by}`);
        return 'dropped';
      case 'reject':
        ctx.reject(decision, phase.id);
        return 'stopped';
    }
  }
}

/** Runs the `resolver` agent on the files its rule sends it; its answer goes back to mergeTask as it is. */
async function runResolver(
  phase: Phase,
  merge: Merge,
  task: string,
  result: MergeTaskResult,
  worktree: string,
  phaseRun: number,
): Promise<{ resolverResolutions: Record<string, string> } | { resolverFailed: string }> {
  const agent = merge.conflicts.file.resolver ?? DEFAULT_RESOLVER;
  return agentRun(
    phase,
    '30m',
  )({
    workflowId: workflowInfo().workflowId,
    runId: workflowInfo().runId,
    phase: `${phase.id}+resolve-${task}${phaseRun}`,
    agent,
    input: { task, conflicts: result.sides },
    run: 1,
    worktree,
  }).then(
    (r) => ({
      resolverResolutions: (r.output as { resolutions?: Record<string, string> }).resolutions ?? {},
    }),
    (failure: unknown) => ({
      resolverFailed: `the resolver "${agent}" failed: ${describeFailure(failure).message}`,
    }),
  );
}
