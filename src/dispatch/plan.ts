/**
 * The pipeline a dispatch runs: a `plan` phase (the `dispatch-plan` agent writes plan.md, and the
 * `plan` gate shows the decision before anything runs), then the chosen definition's phases, which
 * start once the plan is approved. Flattened into one definition, so the whole request is one
 * durable history with the gate, status and inbox machinery of any run.
 */
import { z } from 'zod';
import type { DispatchDecision } from './decision';
import { EstimateSchema, StrategySchema, WorkflowTypeSchema, ComplexitySchema } from './decision';

export const PLAN_PHASE = 'plan';
export const PLAN_AGENT = 'dispatch-plan';

/** The plan agent's input: the decision with the definition as an outline (ids, agents, needs, gates). */
export const PlanInputSchema = z.object({
  request: z.string(),
  workflowType: WorkflowTypeSchema,
  complexity: ComplexitySchema,
  strategy: StrategySchema,
  template: z.string().optional(),
  reasoning: z.string(),
  estimate: EstimateSchema,
  agents: z.array(z.object({ name: z.string(), confidence: z.number() })),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  phases: z.array(
    z.object({ id: z.string(), agent: z.string(), needs: z.array(z.string()), gate: z.boolean() }),
  ),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

type RawPhase = { id: string; agent?: unknown; needs?: string[]; approval?: unknown; parallel?: unknown };

/**
 * `${` in text that is not a binding (the request, the reasoning) is written `$ {`: a phase input
 * is bound, and the plan's text must not be read as bindings.
 */
const inert = (text: string) => text.replaceAll('${', '$ {');
const inertValue = (v: string | number | boolean) => (typeof v === 'string' ? inert(v) : v);

/** The chosen phases, renamed `run-<id>` only if one of them is already called `plan`. */
function chosenPhases(definition: Record<string, unknown>): RawPhase[] {
  const phases = (definition.phases ?? []) as RawPhase[];
  if (!phases.some((p) => p.id === PLAN_PHASE)) return phases;
  const rename = (id: string) => `run-${id}`;
  const fix = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.replace(/\$\{\s*phases\.([A-Za-z0-9_-]+)\./g, (_, id: string) => `\${phases.${rename(id)}.`)
      : Array.isArray(value)
        ? value.map(fix)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fix(v)]))
          : value;
  return phases.map((p) => ({
    ...(fix(p) as RawPhase),
    id: rename(p.id),
    needs: (p.needs ?? []).map(rename),
  }));
}

export const EXECUTE_PHASE = 'execute';

/**
 * The definition and params the dispatch's pipeline runs with. By default the chosen definition
 * runs as a child pipeline (phase `execute`, kind `pipeline`): its own run, its gates in the inbox
 * with the parent named. `flatten` puts its phases after the plan in the same run instead: a
 * `--repo` dispatch does that, because the work must land on the repository's branch, which only
 * the top run publishes.
 */
export function dispatchPipeline(
  request: string,
  decision: DispatchDecision,
  options: { flatten?: boolean } = {},
) {
  const chosen = decision.definition ?? {};
  const phases = options.flatten ? chosenPhases(chosen) : ((chosen.phases ?? []) as RawPhase[]);
  const outline = phases.map((p) => ({
    id: p.id,
    agent: typeof p.agent === 'string' ? p.agent : 'parallel',
    needs: p.needs ?? [],
    gate: p.approval !== undefined && p.approval !== false,
  }));
  const input: PlanInput = {
    request: inert(request),
    workflowType: decision.workflowType,
    complexity: decision.complexity,
    strategy: decision.strategy,
    ...(decision.template ? { template: inert(decision.template) } : {}),
    reasoning: inert(decision.reasoning),
    estimate: decision.estimate,
    agents: decision.agents,
    params: Object.fromEntries(Object.entries(decision.params).map(([k, v]) => [k, inertValue(v)])),
    phases: outline,
  };
  const plan = {
    id: PLAN_PHASE,
    title: 'Dispatch plan',
    agent: PLAN_AGENT,
    input,
    timeout: '1m',
    approval: {
      instructions: `Read plan.md: the dispatcher chose ${decision.strategy}${decision.template ? ` ${decision.template}` : ''} for this request. Approve to run it, reject to run nothing.`,
    },
  };
  const name = `dispatch-${decision.template ?? 'composed'}`.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 100);
  const head = { name, version: '1', description: `baton dispatch: ${request.slice(0, 300)}` };
  if (!options.flatten) {
    const execute = {
      id: EXECUTE_PHASE,
      title: `Run ${decision.template ?? 'the composed pipeline'}`,
      needs: [PLAN_PHASE],
      pipeline: { definition: chosen },
      // Literal params (bindings made inert): the child validates them against its definition.
      params: Object.fromEntries(Object.entries(decision.params).map(([k, v]) => [k, inertValue(v)])),
    };
    return { definition: { ...head, phases: [plan, execute] }, params: {} };
  }
  const definition = {
    ...head,
    params: chosen.params ?? {},
    ...(chosen.budget ? { budget: chosen.budget } : {}),
    phases: [plan, ...phases.map((p) => ({ ...p, needs: p.needs?.length ? p.needs : [PLAN_PHASE] }))],
  };
  return { definition, params: decision.params };
}
