/**
 * Validation of a definition's conditions and fallbacks (`when`, `onFailure`; docs/conditions.md).
 * Sandbox-safe: the run checks its definition again when it starts.
 */
import { ancestors, findCycle, type Node } from './dag';
import { pathsRead, policyProblem } from './policy';
import type { Problem } from './validate-params';

/** What `onFailure` names instead of a phase: a failure gate. */
export const FAILURE_GATE = 'gate';

/** The variables a `when` may read. */
export const WHEN_VARIABLES = ['params', 'phases'] as const;

/** What a `when` may read of a phase: `phases.<id>.output…` and `phases.<id>.state`. */
const PHASE_FIELDS = ['output', 'state'];

/** What the checks read of a phase; fields of the wrong type are left to the schema. */
export interface FlowPhaseView extends Node {
  when?: unknown;
  onFailure?: unknown;
}

/** Each fallback phase, with the phase it covers. */
export function fallbacksOf(phases: readonly FlowPhaseView[]): Map<string, string> {
  const covers = new Map<string, string>();
  for (const phase of phases) {
    const target = phase.onFailure;
    if (typeof target === 'string' && target !== FAILURE_GATE && target !== phase.id && !covers.has(target))
      covers.set(target, phase.id);
  }
  return covers;
}

/**
 * The order the scheduler keeps, as needs: a fallback waits for the phase it covers, and the
 * phases that need a covered phase wait for its fallback (they read its output).
 */
export function flowNodes(phases: readonly FlowPhaseView[]): Node[] {
  const covers = fallbacksOf(phases);
  const fallbackOf = new Map([...covers].map(([fallback, covered]) => [covered, fallback]));
  return phases.map((phase) => {
    const needs = new Set(phase.needs);
    const covered = covers.get(phase.id);
    if (covered !== undefined) needs.add(covered);
    for (const need of phase.needs) {
      const fallback = fallbackOf.get(need);
      if (fallback !== undefined && fallback !== phase.id) needs.add(fallback);
    }
    return { id: phase.id, needs: [...needs] };
  });
}

/** Every problem of the definition's `when` and `onFailure` fields, each with its fix. */
export function flowProblems(
  phases: readonly FlowPhaseView[],
  params: Record<string, unknown> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const ids = phases.map((p) => p.id);
  const defined = new Set(ids);
  const covers = fallbacksOf(phases);
  for (const phase of phases) {
    problems.push(...fallbackProblems(phase, phases, defined, covers));
    if (typeof phase.when === 'string') problems.push(...whenProblems(phase, phases, params, covers));
  }
  // Needs are checked for cycles elsewhere; a cycle only the fallback order makes is reported here.
  if (!findCycle(phases) && problems.length === 0) {
    const cycle = findCycle(flowNodes(phases));
    if (cycle) {
      const fallback = cycle.find((id) => covers.has(id)) ?? cycle[0];
      problems.push({
        path: `phases[${covers.get(fallback as string) ?? fallback}].onFailure`,
        message: `the fallback "${fallback}" makes a cycle: ${cycle.join(' → ')} (a fallback runs after the phase it covers, and the phases that need that phase wait for the fallback); remove the need or pick another fallback`,
      });
    }
  }
  return problems;
}

function fallbackProblems(
  phase: FlowPhaseView,
  phases: readonly FlowPhaseView[],
  defined: ReadonlySet<string>,
  covers: ReadonlyMap<string, string>,
): Problem[] {
  const target = phase.onFailure;
  const path = `phases[${phase.id}].onFailure`;
  if (typeof target !== 'string' || target === FAILURE_GATE) return [];
  if (target === phase.id)
    return [
      {
        path,
        message: `phase "${phase.id}" cannot be its own fallback; name another phase, or write onFailure: gate to decide at a failure gate`,
      },
    ];
  if (!defined.has(target))
    return [
      {
        path,
        message: `onFailure "${target}" is not a phase of this definition; phases are: ${[...defined].join(', ')} (or write onFailure: gate)`,
      },
    ];
  if (covers.get(target) !== phase.id)
    return [
      {
        path,
        message: `"${target}" is already the fallback of "${covers.get(target)}"; a fallback covers one phase: define another fallback phase for "${phase.id}"`,
      },
    ];
  if (ancestors(phases, phase.id).has(target))
    return [
      {
        path,
        message: `"${target}" runs before "${phase.id}" (it is in its needs, directly or through others), so it cannot be its fallback; remove "${target}" from the needs of "${phase.id}" or pick another phase`,
      },
    ];
  return [];
}

function whenProblems(
  phase: FlowPhaseView,
  phases: readonly FlowPhaseView[],
  params: Record<string, unknown> | undefined,
  covers: ReadonlyMap<string, string>,
): Problem[] {
  const expression = phase.when as string;
  const path = `phases[${phase.id}].when`;
  const problem = policyProblem(expression, WHEN_VARIABLES);
  if (problem) return [{ path, message: problem.message }];
  const upstream = ancestors(phases, phase.id);
  // A fallback runs after the phase it covers: it may read that phase and what that phase needs.
  const covered = covers.get(phase.id);
  if (covered !== undefined) for (const id of [covered, ...ancestors(phases, covered)]) upstream.add(id);
  const ids = new Set(phases.map((p) => p.id));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const read of pathsRead(expression) ?? []) {
    const [root, name, field] = read;
    if (typeof name !== 'string') continue;
    const key = `${String(root)}.${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (root === 'params' && params && !(name in params)) {
      problems.push({
        path,
        message: `reads params.${name}, which the definition does not declare; declare it under params (declared: ${Object.keys(params).join(', ') || 'none'})`,
      });
    } else if (root === 'phases' && name === phase.id) {
      problems.push({
        path,
        message: `reads phases.${name}, its own phase; a condition is checked before the phase runs: read an upstream phase`,
      });
    } else if (root === 'phases' && !ids.has(name)) {
      problems.push({
        path,
        message: `reads phases.${name}, which is not a phase of this definition; phases are: ${[...ids].join(', ')}`,
      });
    } else if (root === 'phases' && !upstream.has(name)) {
      problems.push({
        path,
        message: `reads phases.${name}, which it does not need, so it may not have run yet; add "${name}" to needs`,
      });
    } else if (root === 'phases' && typeof field === 'string' && !PHASE_FIELDS.includes(field)) {
      problems.push({
        path,
        message: `reads phases.${name}.${field}; a condition reads phases.<id>.output… or phases.<id>.state`,
      });
    }
  }
  return problems;
}
