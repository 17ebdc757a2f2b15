/** The checks of a `parallel` phase that need more than its schema. Sandbox-safe. */
import { collectBindings, parseReference } from './binding';
import { DURATION_HINT, parseDuration } from './duration';
import { LIMITS } from './limits';
import { checkTasks, ParallelSchema } from './parallel';
import type { Problem } from './validate';

export interface ParallelScope {
  /** Phases this one needs, directly or not: the only outputs it may bind. */
  upstream: ReadonlySet<string>;
  /** Every phase id of the definition. */
  defined: ReadonlySet<string>;
  params?: Record<string, unknown>;
  /** The agents known to the client, when it knows them. */
  agents?: ReadonlySet<string>;
}

/**
 * Problems of the bindings in `value`: a malformed one, an undeclared param, or an output of a phase
 * that `phaseId` does not need (the fix named). Parallel tasks and child pipelines check theirs so.
 */
export function bindingProblems(
  value: unknown,
  path: string,
  phaseId: string,
  scope: Pick<ParallelScope, 'upstream' | 'defined' | 'params'>,
): Problem[] {
  const problems: Problem[] = [];
  for (const expression of collectBindings(value)) {
    const ref = parseReference(expression);
    if (ref.kind === 'invalid') problems.push({ path, message: ref.reason });
    else if (ref.kind === 'param' && scope.params && !(ref.name in scope.params)) {
      problems.push({ path, message: `binds param "${ref.name}", which the definition does not declare` });
    } else if (ref.kind === 'phase' && !scope.upstream.has(ref.phase)) {
      problems.push({
        path,
        message: scope.defined.has(ref.phase)
          ? `binds the output of "${ref.phase}", which phase "${phaseId}" does not need; add "${ref.phase}" to needs`
          : `binds the output of "${ref.phase}", which is not defined`,
      });
    }
  }
  return problems;
}

/**
 * A literal task list is checked like phases (every problem at once); a bound one must be a single
 * binding of an earlier phase's output, and is checked when the phase starts.
 */
export function parallelProblems(phase: { id: string; parallel?: unknown }, scope: ParallelScope): Problem[] {
  const at = `phases[${phase.id}].parallel`;
  const parsed = ParallelSchema.safeParse(phase.parallel);
  // The schema reported a malformed block already; check the tasks only when they can be read.
  if (!parsed.success) return [];
  const { tasks, taskTimeout } = parsed.data;
  const problems: Problem[] = [];
  const bound = (value: unknown, path: string) =>
    problems.push(...bindingProblems(value, path, phase.id, scope));
  if (typeof tasks === 'string') {
    if (!/^\$\{[^}]+\}$/.test(tasks.trim())) {
      problems.push({
        path: `${at}.tasks`,
        message: `${JSON.stringify(tasks.slice(0, 100))} is neither a list of tasks nor one binding such as \${phases.plan.output.tasks}`,
      });
    } else bound(tasks, `${at}.tasks`);
  } else {
    const checked = checkTasks(tasks, `${at}.tasks`, scope.agents ? [...scope.agents] : undefined);
    if (!checked.ok) problems.push(...checked.problems);
    else for (const task of checked.tasks) bound(task.input, `${at}.tasks[${task.id}].input`);
  }
  const ms = parseDuration(taskTimeout);
  if (ms === undefined) {
    problems.push({
      path: `${at}.taskTimeout`,
      message: `${JSON.stringify(taskTimeout)} is not a duration; ${DURATION_HINT}`,
    });
  } else if (ms > LIMITS.attemptTimeoutMs) {
    problems.push({
      path: `${at}.taskTimeout`,
      message: `${JSON.stringify(taskTimeout)} is longer than the limit for one agent attempt, 7d`,
    });
  }
  return problems;
}
