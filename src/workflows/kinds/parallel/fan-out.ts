import {
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { mergeChanges } from '../../../shared/binding';
import { gateOf, type Phase, type Retry } from '../../../shared/definition';
import { durationMs } from '../../../shared/duration';
import { LIMITS } from '../../../shared/limits';
import { taskKey, type Task, type TaskStatus } from '../../../shared/parallel';
import type { TaskWorkflowInput, TaskWorkflowResult } from '../../../shared/task-workflow';
import { describeFailure } from '../../failures';
import { awaitDecision } from '../../gate';
import { heartbeatMsOf } from '../agent';
import type { PhaseRunContext } from '../executor';
import { createSemaphore } from './semaphore';
import type { ParallelView } from './view';

const DEFAULT_RETRY: Retry = { maxAttempts: 3, initialInterval: '1s', backoff: 2, nonRetryable: [] };

/** A task that ran and is to be merged. */
export interface TaskDone extends TaskWorkflowResult {
  task: Task;
}

export interface FanOutResult {
  /** Tasks to merge, in dependency order. */
  done: TaskDone[];
  /** The task (and its failure) that stopped the phase under `onTaskFailure: fail-run`. */
  failure?: { task: string; error: unknown };
  /** Task ids in the order they finished (latest-wins takes the later one). */
  finished: string[];
  /** Sum of task run durations over the fan-out's wall time. */
  speedup?: number;
}

/** The gate settings of a task's own gate, like a phase's. */
const taskGate = (task: Task) => gateOf({ approval: task.approval } as Phase);

/** The parent run's id as child ids use it: the workflow id when short enough, else the run id. */
const parentKey = () => {
  const { workflowId, runId } = workflowInfo();
  return workflowId.length <= 600 ? workflowId : runId;
};

/**
 * Runs every task as a `task` child workflow, each once its needs are done, at most `maxConcurrent`
 * at a time, holding its locks while it runs; then its own gate, if it has one. A task whose need
 * was left out is left out too. Never rejects: each task ends done, dropped, failed or cancelled.
 */
export async function fanOut(
  ctx: PhaseRunContext,
  phase: Phase,
  tasks: readonly Task[],
  view: ParallelView,
  base: string,
  phaseRun: number,
): Promise<FanOutResult> {
  const settings = phase.parallel as NonNullable<Phase['parallel']>;
  const { run } = ctx;
  const slots = createSemaphore(settings.maxConcurrent);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const outcomes = new Map<string, Promise<TaskDone | undefined>>();
  const finished: string[] = [];
  const inner = new CancellationScope();
  let failure: FanOutResult['failure'];
  const startedAt = Date.now();

  const timeoutMs = durationMs(settings.taskTimeout, LIMITS.attemptTimeoutMs);
  const retry = phase.retry ?? DEFAULT_RETRY;

  /** One run of the task: a slot, its locks, its child workflow. */
  async function runOnce(task: Task, row: TaskStatus, input: Record<string, unknown>): Promise<TaskDone> {
    await slots.acquire();
    const request = `${workflowInfo().workflowId}/${phase.id}/${task.id}/${phaseRun}.${row.runs + 1}`;
    let locked = false;
    try {
      if (task.locks.length > 0) {
        if (!ctx.locks) throw new Error('this worker offers no resource locks');
        row.state = 'waiting-lock';
        run.publish();
        locked = true;
        await ctx.locks.acquire(task.locks, request);
      }
      row.state = 'running';
      row.runs += 1;
      row.startedAt = run.now();
      row.endedAt = undefined;
      row.error = undefined;
      row.workflowId = `${parentKey()}/${phase.id}/${task.id}/${phaseRun}.${row.runs}`;
      run.publish();
      const args: TaskWorkflowInput = {
        workspace: ctx.workspace.root as string,
        parentRunId: workflowInfo().runId,
        phase: phase.id,
        task: task.id,
        agent: task.agent,
        input,
        base,
        run: row.runs,
        timeoutMs,
        heartbeatMs: heartbeatMsOf(phase),
        retry,
      };
      const result = await executeChild('task', {
        workflowId: row.workflowId,
        args: [args],
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `${phase.id}/${task.id}: ${task.agent}`,
      });
      row.attempts += result.attempts;
      row.endedAt = run.now();
      row.branch = result.branch;
      row.commit = result.commit;
      return { ...result, task };
    } catch (error) {
      row.endedAt = run.now();
      throw error;
    } finally {
      if (locked && ctx.locks) {
        const locks = ctx.locks;
        await CancellationScope.nonCancellable(() => locks.release(task.locks, request));
      }
      slots.release();
    }
  }

  /** The task's loop: run, then its failure policy or its gate, again for as long as a gate asks. */
  async function taskLoop(task: Task): Promise<TaskDone | undefined> {
    const row = view.row(task.id);
    const key = taskKey(phase.id, task.id);
    const asPhase = { ...phase, id: key, title: `${phase.title ?? phase.id} / ${task.title ?? task.id}` };
    const gate = taskGate(task);
    let input = task.input;
    for (;;) {
      let done: TaskDone;
      try {
        done = await runOnce(task, row, input);
      } catch (error) {
        if (isCancellation(error) || run.stopped || failure) {
          row.state = 'cancelled';
          return undefined;
        }
        const cause = error instanceof ChildWorkflowFailure && error.cause ? error.cause : error;
        row.error = describeFailure(cause);
        row.attempts += 1;
        row.state = 'failed';
        run.publish();
        if (settings.onTaskFailure === 'fail-run') {
          failure = { task: task.id, error: cause };
          inner.cancel();
          return undefined;
        }
        if (settings.onTaskFailure === 'drop-task') {
          view.drop(task.id, `failed: ${row.error.message}`);
          return undefined;
        }
        const decision = await awaitDecision(
          run,
          asPhase,
          'task-failed',
          { onTimeout: 'reject' },
          {
            task: task.id,
            reason: `task "${task.id}" failed: ${row.error.message}`,
            error: row.error,
          },
        );
        if (!decision) return cancelled(row);
        if (decision.action === 'retry') continue;
        if (decision.action === 'reject') return rejected(row, decision, key);
        view.drop(task.id, `skipped by ${decision.by} after it failed`);
        return undefined;
      }
      finished.push(task.id);
      if (!gate) return settle(row, done);
      row.state = 'awaiting-approval';
      const decision = await awaitDecision(run, asPhase, 'approval', gate, { output: done.output });
      if (!decision) return cancelled(row);
      switch (decision.action) {
        case 'approve':
          return settle(row, done);
        case 'skip':
          view.drop(task.id, `skipped at its gate by ${decision.by}`);
          return undefined;
        case 'reject':
          return rejected(row, decision, key);
        case 'modify':
          input = mergeChanges(input, decision.changes ?? {});
          continue;
        case 'retry':
          continue;
      }
    }
  }

  const settle = (row: TaskStatus, done: TaskDone) => {
    row.state = 'done';
    run.publish();
    return done;
  };
  const cancelled = (row: TaskStatus) => {
    row.state = 'cancelled';
    return undefined;
  };
  const rejected = (row: TaskStatus, decision: Parameters<PhaseRunContext['reject']>[0], key: string) => {
    row.state = 'cancelled';
    ctx.reject(decision, key);
    return undefined;
  };

  const start = (task: Task): Promise<TaskDone | undefined> => {
    let outcome = outcomes.get(task.id);
    if (!outcome) {
      outcome = (async () => {
        const needs = await Promise.all(task.needs.map((n) => start(byId.get(n) as Task)));
        const missing = task.needs.filter((_, i) => needs[i] === undefined);
        if (run.stopped || failure) return cancelled(view.row(task.id));
        if (missing.length > 0) {
          view.drop(task.id, `it needs ${missing.map((m) => `"${m}"`).join(', ')}, left out of the merge`);
          return undefined;
        }
        return taskLoop(task);
      })();
      outcomes.set(task.id, outcome);
    }
    return outcome;
  };

  const all = await inner.run(() => Promise.all(tasks.map(start)));
  const done = all.filter((d): d is TaskDone => d !== undefined);
  const wall = Date.now() - startedAt;
  // Each task's time as the run saw it (its child workflow, worktree included), like its ELAPSED.
  const busy = done.reduce((sum, d) => {
    const row = view.row(d.task.id);
    return sum + (row.startedAt && row.endedAt ? Date.parse(row.endedAt) - Date.parse(row.startedAt) : 0);
  }, 0);
  return { done, failure, finished, ...(wall > 0 && done.length ? { speedup: busy / wall } : {}) };
}
