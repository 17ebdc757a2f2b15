import type { Phase } from '../../../shared/definition';
import {
  predictConflicts,
  taskKey,
  type ConflictRecord,
  type ParallelStatus,
  type Task,
  type TaskStatus,
} from '../../../shared/parallel';
import type { RunStateObject } from '../../run-state';

/**
 * The parallel phase's part of `status` (`phases[].parallel`): a row per task, the predicted and met
 * conflicts, the merge queue. The executor changes it in place and publishes.
 */
export function createParallelView(run: RunStateObject, phase: Phase, tasks: readonly Task[]) {
  const rows = new Map<string, TaskStatus>(
    tasks.map((t) => [
      t.id,
      {
        id: t.id,
        ...(t.title ? { title: t.title } : {}),
        agent: t.agent,
        needs: t.needs,
        state: 'pending',
        runs: 0,
        attempts: 0,
        locks: t.locks,
      },
    ]),
  );
  const status: ParallelStatus = {
    tasks: [...rows.values()],
    predictedConflicts: predictConflicts(tasks),
    conflicts: [],
    queue: [],
  };
  run.phase(phase.id).parallel = status;
  for (const row of rows.values()) run.addTask(taskKey(phase.id, row.id), row);
  run.publish();

  return {
    status,
    row: (id: string): TaskStatus => rows.get(id) as TaskStatus,
    /** Records the conflicts of one merge of a task, replacing what an earlier try recorded. */
    recordConflicts(task: string, records: readonly ConflictRecord[]): void {
      status.conflicts = [...status.conflicts.filter((c) => c.task !== task), ...records];
      const all = status.conflicts.filter((c) => c.outcome !== 'pending');
      if (all.length > 0) {
        status.autoResolutionRate = all.filter((c) => c.outcome === 'resolved').length / all.length;
        status.humanInterventionRate = all.filter((c) => c.outcome === 'human').length / all.length;
      }
    },
    drop(id: string, why: string): void {
      const row = rows.get(id) as TaskStatus;
      row.state = 'dropped';
      row.droppedBecause = why;
      run.publish();
    },
  };
}

export type ParallelView = ReturnType<typeof createParallelView>;

/**
 * Timings as `status` reads them: elapsed for every task that started, and for running ones an ETA
 * from the mean duration of the finished ones. Computed on read, so they need no timer.
 */
export function withTimings(parallel: ParallelStatus, now: number): ParallelStatus {
  const ms = (row: TaskStatus) =>
    row.startedAt ? (row.endedAt ? Date.parse(row.endedAt) : now) - Date.parse(row.startedAt) : undefined;
  const finished = parallel.tasks.filter((t) => t.endedAt && t.startedAt).map((t) => ms(t) as number);
  const mean = finished.length ? finished.reduce((a, b) => a + b, 0) / finished.length : undefined;
  return {
    ...parallel,
    tasks: parallel.tasks.map((row) => {
      const elapsedMs = ms(row);
      const running = row.state === 'running' && elapsedMs !== undefined;
      return {
        ...row,
        ...(elapsedMs !== undefined ? { elapsedMs } : {}),
        ...(running && mean !== undefined ? { etaMs: Math.max(0, Math.round(mean - elapsedMs)) } : {}),
      };
    }),
  };
}
