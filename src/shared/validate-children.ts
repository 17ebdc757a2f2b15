/**
 * The checks of `pipeline` and `loop` phases that need more than their schema: bindings, an inline
 * child definition (validated like any definition), loop bodies and `until`. Sandbox-safe.
 */
import { LoopSchema, LOOP_VARIABLES, PipelineSpecSchema, sourceOf } from './child-kinds';
import { ancestors, type Node } from './dag';
import { type AgentInputSchemas, unknownFields } from './input-schema';
import { policyProblem } from './policy';
import { collectBindings } from './binding';
import type { Problem } from './validate-params';
import { bindingProblems } from './validate-parallel';

export interface ChildScope {
  /** Phases this one needs, directly or not: the only outputs it may bind. */
  upstream: ReadonlySet<string>;
  /** Every phase id of the definition. */
  defined: ReadonlySet<string>;
  params?: Record<string, unknown>;
  /** Every phase, with its needs and its loop, to check loop bodies. */
  phases: readonly (Node & { loop?: unknown; agent?: string })[];
  /** The agents' input schemas, when the caller knows them: the first body phase must take `feedback`. */
  agentSchemas?: AgentInputSchemas;
  /** Validates a child definition (validateDefinition, passed in: it calls this module). */
  validate(raw: unknown, params: Record<string, unknown>): Problem[];
}

interface ChildPhase {
  id: string;
  pipeline?: unknown;
  params?: unknown;
  loop?: unknown;
}

/** Problems of a `pipeline` phase: its bindings, and an inline definition checked in full. */
export function pipelineProblems(phase: ChildPhase, scope: ChildScope): Problem[] {
  if (phase.pipeline === undefined) return [];
  const at = `phases[${phase.id}]`;
  const spec = PipelineSpecSchema.safeParse(phase.pipeline);
  // The schema reported a malformed spec already.
  if (!spec.success) return [];
  const problems = bindingProblems(phase.params, `${at}.params`, phase.id, scope);
  if (typeof phase.params === 'string' && !/^\s*\$\{[^}]+\}\s*$/.test(phase.params)) {
    problems.push({
      path: `${at}.params`,
      message: `${JSON.stringify(phase.params.slice(0, 100))} is neither an object nor one binding such as \${phases.plan.output.params}`,
    });
  }
  const source = sourceOf(spec.data);
  if (source.kind === 'bound') {
    problems.push(...bindingProblems(source.binding, `${at}.pipeline.definition`, phase.id, scope));
  } else if (source.kind === 'inline') {
    // Bound params are known only when the phase starts: their required/typed checks wait till then.
    const literal =
      typeof phase.params === 'object' && phase.params !== null && collectBindings(phase.params).length === 0;
    const params = literal ? (phase.params as Record<string, unknown>) : {};
    for (const problem of scope.validate(source.definition, params)) {
      if (!literal && /^params\.[^.]+$/.test(problem.path)) continue;
      problems.push({ path: `${at}.pipeline.definition.${problem.path}`, message: problem.message });
    }
  }
  return problems;
}

/** Problems of every `loop` phase, over the whole definition (a body phase in two loops). */
export function loopProblems(scope: ChildScope): Problem[] {
  const problems: Problem[] = [];
  const ids = [...scope.defined];
  const owner = new Map<string, string>();
  const loops = scope.phases.filter((p) => p.loop !== undefined);
  const loopIds = new Set(loops.map((p) => p.id));
  for (const phase of loops) {
    const at = `phases[${phase.id}].loop`;
    const parsed = LoopSchema.safeParse(phase.loop);
    if (!parsed.success) continue;
    const { phases: body, until } = parsed.data;
    const bodySet = new Set(body);
    body.forEach((id, i) => {
      const path = `${at}.phases[${i}]`;
      if (id === phase.id)
        problems.push({
          path,
          message: `loop "${phase.id}" cannot be its own body; list the phases it repeats`,
        });
      else if (!scope.defined.has(id))
        problems.push({
          path,
          message: `"${id}" is not a phase of this definition; phases are: ${ids.join(', ')}`,
        });
      else if (loopIds.has(id))
        problems.push({
          path,
          message: `"${id}" is a loop itself; a loop body holds no loops (put the inner loop in a child pipeline)`,
        });
      else if (owner.has(id) && owner.get(id) !== phase.id)
        problems.push({
          path,
          message: `"${id}" is already in the body of loop "${owner.get(id)}"; a phase belongs to one loop`,
        });
      else if (body.indexOf(id) !== i) problems.push({ path, message: `"${id}" is listed twice` });
      owner.set(id, phase.id);
    });
    const needs = scope.phases.find((p) => p.id === phase.id)?.needs ?? [];
    needs.forEach((need, i) => {
      if (bodySet.has(need))
        problems.push({
          path: `phases[${phase.id}].needs[${i}]`,
          message: `loop "${phase.id}" needs its own body phase "${need}"; the loop runs it, remove it from needs`,
        });
    });
    // A body phase's needs outside the body run before the loop: they may not wait for it.
    for (const member of scope.phases.filter((p) => bodySet.has(p.id))) {
      member.needs.forEach((need, i) => {
        if (bodySet.has(need)) return;
        const before = ancestors(scope.phases, need);
        if (need === phase.id || before.has(phase.id) || [...bodySet].some((b) => before.has(b))) {
          problems.push({
            path: `phases[${member.id}].needs[${i}]`,
            message: `body phase "${member.id}" of loop "${phase.id}" needs "${need}", which runs after the loop; a body phase may only need phases before the loop or in its body`,
          });
        }
      });
    }
    const first = scope.phases.find((p) => p.id === body[0]);
    const schema = first?.agent === undefined ? undefined : scope.agentSchemas?.[first.agent];
    if (first?.agent && schema && unknownFields(['feedback'], schema).length > 0) {
      problems.push({
        path: `${at}.phases[0]`,
        message: `agent "${first.agent}" of "${first.id}" takes no field "feedback", which the loop sends the first body phase from its second iteration on; list first a phase whose agent takes feedback`,
      });
    }
    const problem = policyProblem(until, LOOP_VARIABLES);
    if (problem) problems.push({ path: `${at}.until`, message: problem.message });
  }
  return problems;
}

/** The loop each body phase belongs to, by body phase id. */
export function loopOwners(
  phases: readonly { id: string; loop?: { phases: readonly string[] } }[],
): Map<string, string> {
  const owners = new Map<string, string>();
  for (const phase of phases) for (const id of phase.loop?.phases ?? []) owners.set(id, phase.id);
  return owners;
}
