/**
 * How `status` shows a parallel phase: its tasks, predicted and met conflicts, the merge queue and
 * the run's parallel figures; and the gates a parallel phase opens (conflict, a task's own, verify).
 */
import { formatDuration } from '../../shared/duration';
import type { GateCommon } from '../../shared/gate-kinds';
import {
  splitTaskKey,
  type ConflictSides,
  type ParallelStatus,
  type PredictedConflict,
  type TaskStatus,
} from '../../shared/parallel';
import type { PhaseStatus, RunStatus } from '../../shared/status';
import { batonCommand } from '../errors';
import { brief, elapsed, indent, safe, table } from './text';

/** Lines of a side shown at a conflict gate; the rest is in the integration worktree. */
const SIDE_LINES = 3;
const SIDE_LINE_CHARS = 100;

const ms = (value: number | undefined): string => (value === undefined ? '' : formatDuration(value));
const percent = (rate: number): string => `${Math.round(rate * 100)}%`;

/** States in which a task still has time left to estimate. */
const UNFINISHED: readonly TaskStatus['state'][] = ['pending', 'waiting-lock', 'running'];

function taskNote(task: TaskStatus): string {
  if (task.error) return `error: ${task.error.message}`;
  if (task.droppedBecause) return `dropped: ${task.droppedBecause}`;
  return task.locks.length ? `locks: ${task.locks.join(', ')}` : '';
}

function taskRows(tasks: readonly TaskStatus[]): string {
  return table(
    ['TASK', 'AGENT', 'STATE', 'RUNS', 'BRANCH', 'ELAPSED', 'ETA', 'NOTE'],
    tasks.map((t) => [
      t.id,
      t.agent,
      t.state,
      String(t.runs),
      t.branch ?? '',
      t.elapsedMs !== undefined ? ms(t.elapsedMs) : elapsed(t.startedAt, t.endedAt),
      UNFINISHED.includes(t.state) ? ms(t.etaMs) : '',
      brief(taskNote(t), 80),
    ]),
  );
}

/** The block printed under a parallel phase's row: tasks, conflicts, the queue, integration and verify. */
/** Predicted conflicts, under the parallel phase and at a plan gate whose output lists them. */
export function predictedLines(predicted: readonly PredictedConflict[]): string[] {
  if (predicted.length === 0) return [];
  return [
    'Predicted conflicts (overlapping paths, no order between the tasks):',
    ...predicted.map((p) => `  ${safe(p.tasks[0])} and ${safe(p.tasks[1])}: ${safe(p.paths.join(', '))}`),
  ];
}

export function renderParallelPhase(parallel: ParallelStatus): string {
  const out = [taskRows(parallel.tasks)];
  out.push(...predictedLines(parallel.predictedConflicts));
  if (parallel.conflicts.length) {
    out.push(
      'Conflicts:',
      indent(
        table(
          ['TASK', 'CLASS', 'FILES', 'STRATEGY', 'OUTCOME', 'DETAIL'],
          parallel.conflicts.map((c) => [
            c.task,
            c.class,
            brief(c.files.join(', '), 60),
            c.strategy,
            c.outcome,
            brief(c.detail, 80),
          ]),
        ),
      ),
    );
  }
  if (parallel.queue.length) {
    out.push(
      'Merge queue:',
      indent(
        table(
          ['#', 'TASK', 'STATE', 'COMMIT', 'TIME'],
          parallel.queue.map((q, i) => [
            String(i + 1),
            q.task,
            q.state,
            q.commit?.slice(0, 10) ?? '',
            ms(q.ms),
          ]),
        ),
      ),
    );
  }
  const integration = parallel.integration;
  if (integration) {
    out.push(
      `Integration: ${safe(integration.branch)} in ${safe(integration.worktree)}${integration.recovery ? ` (recovery ${safe(integration.recovery.slice(0, 10))})` : ''}`,
    );
  }
  const verify = parallel.verify;
  if (verify) {
    out.push(
      `Verify: ${safe(verify.agent)} ${safe(verify.state)}${verify.error ? ` (${brief(verify.error, 120)})` : ''}`,
    );
  }
  return out.join('\n');
}

/** One line per parallel phase for the run's summary: speedup and how its conflicts were resolved. */
export function parallelSummary(phases: readonly PhaseStatus[]): string[] {
  return phases.flatMap((phase) => {
    const parallel = phase.parallel;
    if (!parallel) return [];
    const counts = new Map<string, number>();
    for (const t of parallel.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    const states = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
    const figures = [
      `${parallel.tasks.length} tasks (${states})`,
      parallel.speedup !== undefined ? `speedup ${parallel.speedup.toFixed(1)}x` : undefined,
      conflictFigures(parallel),
    ].filter(Boolean);
    return [`Parallel ${safe(phase.id)}: ${safe(figures.join(', '))}`];
  });
}

function conflictFigures(parallel: ParallelStatus): string {
  const n = parallel.conflicts.length;
  if (n === 0) return 'no conflicts';
  const rates = [
    parallel.autoResolutionRate !== undefined && `auto-resolved ${percent(parallel.autoResolutionRate)}`,
    parallel.humanInterventionRate !== undefined && `human ${percent(parallel.humanInterventionRate)}`,
  ].filter(Boolean);
  return `${n} conflict${n === 1 ? '' : 's'}${rates.length ? `: ${rates.join(', ')}` : ''}`;
}

/**
 * An open gate as these renderers read it. The gates of a parallel phase add these fields; the
 * kinds come from the gate table, so they are read as an open set here.
 */
export interface GateView extends GateCommon {
  kind: string;
  /** `conflict`: each conflicted file with its three sides. */
  conflicts?: ConflictSides[];
  /** `conflict`: the integration worktree, where a person may resolve and commit. */
  worktree?: string;
  /** `conflict`: the task being merged. */
  task?: string;
  /** `task-failed`, `verify`, or a retried resolution that failed. */
  error?: { type?: string; message: string } | string;
  /** `verify`: the tasks that may be dropped. */
  tasks?: string[];
}

const errorText = (error: GateView['error']): string | undefined =>
  typeof error === 'string' ? error : error?.message;

/** A shell word: single-quoted when it holds anything a shell would read. */
const shellWord = (text: string): string =>
  /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/** `baton <action> <run> <phase> [args]`, made safe to print. */
const command = (action: string, run: string, phase: string, ...args: string[]): string =>
  safe(batonCommand([action, shellWord(run), shellWord(phase), ...args].join(' ')));

/** The first lines of one side, each cut, with how many were left out. */
function sideLines(label: string, content: string | undefined): string[] {
  if (content === undefined) return [`${label}(absent)`];
  if (content === '') return [`${label}(empty)`];
  const lines = content.replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, SIDE_LINES).map((l) => `| ${brief(l, SIDE_LINE_CHARS)}`);
  const more = lines.length - SIDE_LINES;
  if (more > 0) shown.push(`| ... (${more} more line${more === 1 ? '' : 's'})`);
  const pad = ' '.repeat(label.length);
  return shown.map((l, i) => `${i === 0 ? label : pad}${l}`);
}

function gateHeader(gate: GateView, what: string): string {
  return `${what} (${safe(gate.id)}) since ${safe(gate.openedAt)}${gate.deadline ? `, ${safe(gate.onTimeout)} at ${safe(gate.deadline)}` : ''}`;
}

function conflictGate(gate: GateView, run: string, status: RunStatus): string[] {
  const phase = gate.phase;
  const task = gate.task ?? '';
  const merged = (status.phases.find((p) => p.id === phase)?.parallel?.queue ?? [])
    .filter((q) => q.state === 'merged')
    .map((q) => q.task);
  const files = gate.conflicts ?? [];
  const out = [
    '',
    gateHeader(gate, `Conflict gate: ${safe(phase)} could not merge task ${safe(task)} by itself`),
  ];
  const error = errorText(gate.error);
  if (error) out.push(`  error: ${brief(error, 300)}`);
  for (const file of files) {
    out.push(
      `  ${safe(file.path)}  [${safe(file.class)}]${file.truncated ? '  (sides cut: large or binary)' : ''}`,
    );
    out.push(
      ...sideLines('    base:   ', file.base),
      ...sideLines('    ours:   ', file.ours),
      ...sideLines('    theirs: ', file.theirs),
    );
  }
  const oursTasks = merged.length ? merged.join(', ') : 'the phase start';
  out.push(
    `  ours = the integration branch (merged so far: ${safe(oursTasks)}); theirs = task ${safe(task)}.`,
    `  The sides show their first ${SIDE_LINES} lines; the whole files are in the integration worktree:`,
    `    ${safe(gate.worktree)}`,
  );
  // One JSON value: a path's dots would split a dotted --set key (resolutions.src/app.ts).
  const tree = shellWord(gate.worktree ?? '');
  const pick = JSON.stringify(Object.fromEntries(files.map((f) => [f.path, task])));
  out.push(
    '  Decide:',
    `    pick a side (a task id per file, or {"content":"..."}):`,
    `      ${command('modify', run, phase, '--set', shellWord(`resolutions=${pick}`))}`,
    `    or resolve by hand: fix the files and commit in the worktree, then`,
    `      ${safe(`git -C ${tree} add -A && git -C ${tree} commit -m "Resolve the merge of ${task}"`)}`,
    `      ${command('approve', run, phase)}`,
    `    or end the run:`,
    `      ${command('reject', run, phase)}`,
  );
  return out;
}

function taskGate(gate: GateView, run: string): string[] {
  const key = splitTaskKey(gate.phase);
  const of = key ? `task ${safe(key.task)} of ${safe(key.phase)}` : safe(gate.phase);
  const failed = gate.kind === 'task-failed';
  const out = [
    '',
    gateHeader(gate, failed ? `Task failed: ${of}` : `Task gate open: ${safe(gate.title)} (${of})`),
  ];
  if (gate.instructions) out.push(`  ${safe(gate.instructions)}`);
  const error = errorText(gate.error);
  if (error) out.push(`  error: ${brief(error, 300)}`);
  out.push(
    failed
      ? `  Decide: ${command('retry|skip|reject', run, gate.phase)}   (skip leaves the task out of the merge)`
      : `  Decide: ${command('approve|reject|retry|skip', run, gate.phase)}   or   ${command('modify', run, gate.phase, '--set', 'key=value')}`,
    `  The other tasks keep running.`,
  );
  return out;
}

function verifyGate(gate: GateView, run: string): string[] {
  const out = ['', gateHeader(gate, `Verify failed: ${safe(gate.phase)}`)];
  const error = errorText(gate.error);
  if (error) out.push(`  error: ${brief(error, 300)}`);
  out.push(
    '  The integration branch is back at its recovery ref; the task branches are kept.',
    `  Retry:     ${command('retry', run, gate.phase)}`,
  );
  const tasks = gate.tasks ?? [];
  if (tasks.length) {
    out.push(
      `  Drop tasks and merge the rest again: ${command('modify', run, gate.phase, '--set', shellWord(`drop=${JSON.stringify(tasks.slice(0, 1))}`))}`,
      `    (tasks you may drop: ${safe(tasks.join(', '))})`,
    );
  }
  out.push(`  Or end the run: ${command('reject', run, gate.phase)}`);
  return out;
}

/** Renderers of the gates a parallel phase opens, by kind. */
const PARALLEL_GATES: Record<string, (gate: GateView, run: string, status: RunStatus) => string[]> = {
  conflict: conflictGate,
  'task-failed': taskGate,
  verify: verifyGate,
};

/**
 * The lines of a gate a parallel phase opened (a conflict, verify or task-failed gate, or a task's
 * own approval under `<phase>.<task>`), or undefined for any other gate.
 */
export function renderParallelGate(gate: GateView, run: string, status: RunStatus): string[] | undefined {
  const render = PARALLEL_GATES[gate.kind];
  if (render) return render(gate, run, status);
  return gate.kind === 'approval' && splitTaskKey(gate.phase) ? taskGate(gate, run) : undefined;
}

/** What `inbox` suggests for a gate of this kind. */
export function nextCommand(kind: string | undefined, run: string, phase: string): string {
  if (kind && kind in PARALLEL_GATES && kind !== 'task-failed')
    return safe(batonCommand(`status ${shellWord(run)}`));
  if (kind === 'task-failed') return command('retry|skip|reject', run, phase);
  if (kind === 'failure') return command('retry|skip|reject', run, phase);
  return command('approve', run, phase);
}
