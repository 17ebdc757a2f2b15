import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import { bindInput } from '../../../shared/binding';
import type { Phase } from '../../../shared/definition';
import { checkTasks, dependencyOrder, type Task } from '../../../shared/parallel';
import { invalid } from '../../failures';
import type { RunStateObject } from '../../run-state';

const { checkAgents } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s' });

/**
 * The phase's tasks: a literal list, or the output a binding names (a decomposer's plan), checked
 * like phases are: shape, unique ids, needs inside the list, no cycle, agents the worker knows.
 * A bad list fails the phase at once, every problem listed, naming the task and the field.
 */
export async function resolveTasks(run: RunStateObject, phase: Phase): Promise<Task[]> {
  const settings = phase.parallel as NonNullable<Phase['parallel']>;
  const scope = run.bindings();
  const raw: unknown = bindInput(settings.tasks, scope);
  const at = `phases[${phase.id}].parallel.tasks`;
  const shape = checkTasks(raw, at);
  if (!shape.ok) throw invalid(run.definition.name, shape.problems);
  const agents = await checkAgents({ names: [...new Set(shape.tasks.map((t) => t.agent))] });
  if (agents.unknown.length > 0) {
    const checked = checkTasks(raw, at, agents.known);
    if (!checked.ok) throw invalid(run.definition.name, checked.problems);
  }
  // Each task's own input may bind params and earlier outputs too.
  return dependencyOrder(shape.tasks).map((t) => ({ ...t, input: bindInput(t.input, scope) }));
}
