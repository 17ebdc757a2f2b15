/**
 * The dispatch analysis: a request in, a decision out. With an LLM it asks the model for the
 * decision (structured output) and checks it; offline, or when the model's answer is unusable, the
 * deterministic classifier decides. Either way the definition is validated against the worker's
 * agents before it is offered. Used by the analysis activity and by `baton dispatch --dry-run`.
 */
import { z } from 'zod';
import { AGENT_FAILURES } from '../shared/failure-types';
import type { AgentInputSchemas } from '../shared/input-schema';
import { validateDefinition, type Problem } from '../shared/validate';
import { agentsOf, type Definition, type Params } from '../shared/definition';
import { classify, strategyOf, type Classification } from './classify';
import { composeDefinition } from './compose';
import {
  DispatchDecisionSchema,
  DispatchRequestSchema,
  type DispatchDecision,
  type DispatchRequest,
  type Strategy,
} from './decision';
import { estimateRun, type TemplateHistory } from './estimate';
import { combineTemplates } from './hybrid';
import { paramsFor, pickTemplate, type SuccessRates, type TemplateBook } from './templates';

/** The LLM as the analysis needs it: one structured answer (the activity adapts the worker's Llm). */
export interface DispatchLlm {
  ask<S extends z.ZodType>(request: { schema: S; system: string; prompt: string }): Promise<z.output<S>>;
}

export interface AnalysisDeps {
  templates: TemplateBook;
  /** The agents the worker registers: a composed definition may use only these. */
  agents: readonly string[];
  agentSchemas?: AgentInputSchemas;
  history?: { templates: Record<string, TemplateHistory>; rates: SuccessRates };
  llm?: DispatchLlm;
}

/** A dispatch that cannot go on: the composition stays invalid, or the request is malformed. */
export class DispatchError extends Error {
  override name = 'DispatchError';
  constructor(
    message: string,
    readonly problems: Problem[] = [],
    readonly hint = 'Rephrase the request, or start a template with `baton start <template>`.',
  ) {
    super(message);
  }
}

const formatted = (problems: readonly Problem[]) => problems.map((p) => `${p.path}: ${p.message}`).join('; ');

/** What the LLM answers: the decision without the estimate (history and defaults give that). */
export const LlmDecisionSchema = DispatchDecisionSchema.omit({ estimate: true, params: true }).extend({
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
type LlmDecision = z.infer<typeof LlmDecisionSchema>;

interface Plan {
  strategy: Strategy;
  template?: string;
  definition: Record<string, unknown>;
  params: Params;
  reasons: string[];
}

/** The offline plan for a classification: a template, a hybrid of two, or a composition. */
function offlinePlan(
  request: string,
  context: Record<string, string>,
  c: Classification,
  deps: AnalysisDeps,
): Plan {
  const reasons: string[] = [];
  const rates = deps.history?.rates;
  const compose = (): Plan => {
    const { definition, notes } = composeDefinition(request, c, deps.agents);
    reasons.push('composed a pipeline from the components the request names', ...notes);
    return { strategy: 'compose', definition, params: paramsFor(definition, request, context), reasons };
  };
  const wanted = strategyOf(c);
  if (wanted === 'compose') {
    reasons.push('no workflow type fits the request well enough for a template');
    return compose();
  }
  if (wanted === 'hybrid') {
    const builder =
      c.scores.development >= c.scores['project-management'] ? 'development' : 'project-management';
    const first = pickTemplate('research', c.words, deps.templates, rates);
    const second = pickTemplate(builder, c.words, deps.templates, rates);
    if (first.template === 'research' && second.template) {
      const definition = combineTemplates(
        { name: 'research', definition: deps.templates.research! },
        { name: second.template, definition: deps.templates[second.template]! },
      );
      reasons.push(
        `the request asks for research and then ${builder}: research, then ${second.why}, fed with the report`,
      );
      return {
        strategy: 'hybrid',
        template: `research+${second.template}`,
        definition,
        params: paramsFor(definition, request, context),
        reasons,
      };
    }
    reasons.push(`a hybrid needs the research template and a ${builder} one (${first.why}; ${second.why})`);
  }
  const pick = pickTemplate(c.workflowType, c.words, deps.templates, rates);
  reasons.push(pick.why);
  if (!pick.template) return compose();
  const definition = deps.templates[pick.template]!;
  return {
    strategy: 'template',
    template: pick.template,
    definition,
    params: paramsFor(definition, request, context),
    reasons,
  };
}

function check(plan: Pick<Plan, 'definition' | 'params'>, deps: AnalysisDeps) {
  return validateDefinition(plan.definition, plan.params, {
    agents: deps.agents,
    agentSchemas: deps.agentSchemas,
  });
}

function typeConfidence(c: Classification): number {
  const sorted = Object.values(c.scores).sort((a, b) => b - a);
  const margin = (sorted[0] ?? 0) - (sorted[1] ?? 0);
  return Math.round(Math.min(0.95, 0.5 + margin / 10 + (sorted[0] ?? 0) / 20) * 100) / 100;
}

function decide(
  c: Classification,
  plan: Plan,
  definition: Definition,
  deps: AnalysisDeps,
  overrides: Partial<Pick<DispatchDecision, 'workflowType' | 'complexity' | 'agents'>> = {},
): DispatchDecision {
  const confidence = typeConfidence(c);
  const history =
    plan.strategy === 'template' && plan.template ? deps.history?.templates[plan.template] : undefined;
  const estimate = estimateRun(plan.definition, { history, llm: deps.llm !== undefined });
  const scores = Object.entries(c.scores)
    .map(([t, s]) => `${t} ${s}`)
    .join(', ');
  return DispatchDecisionSchema.parse({
    workflowType: overrides.workflowType ?? c.workflowType,
    complexity: overrides.complexity ?? c.complexity,
    agents: overrides.agents ?? agentsOf(definition).map((name) => ({ name, confidence })),
    estimate,
    strategy: plan.strategy,
    ...(plan.template ? { template: plan.template } : {}),
    definition: plan.definition,
    params: plan.params,
    reasoning: [
      ...plan.reasons,
      `scores: ${scores}; components: ${c.components.join(', ') || 'none'} (complexity ${c.complexityScore})`,
      `estimate from ${estimate.basis === 'history' ? `the medians of ${history?.basedOnRuns} past runs` : 'per-agent defaults'}`,
    ].join('. '),
  });
}

/** The offline analysis: deterministic, no model. */
export function analyzeOffline(
  raw: DispatchRequest,
  deps: AnalysisDeps,
  prefix: string[] = [],
): DispatchDecision {
  const { request, context } = DispatchRequestSchema.parse(raw);
  const c = classify(request, context);
  const plan = offlinePlan(request, context, c, deps);
  plan.reasons.unshift(...prefix);
  const checked = check(plan, deps);
  if (!checked.ok) {
    throw new DispatchError(
      `The ${plan.strategy === 'compose' ? 'composed definition' : `definition of ${plan.template}`} is not valid: ${formatted(checked.problems)}`,
      checked.problems,
    );
  }
  return decide(c, plan, checked.definition, deps);
}

const SYSTEM = [
  'You are the dispatcher of Baton, which runs AI-agent pipelines. Decide how to run the request.',
  'Answer JSON only, fitting the schema. strategy "template" names an installed template;',
  '"compose" gives a full pipeline definition { name, params, phases: [{ id, agent, needs, input, approval }] }',
  'that uses only the listed agents, binds params as ${params.<name>} and earlier outputs as',
  '${phases.<id>.output.<field>} (the phase must need that one), and puts an approval gate before risky steps;',
  '"hybrid" names two templates joined with "+", the first (research) feeding the second.',
].join(' ');

function promptOf(
  request: string,
  context: Record<string, string>,
  c: Classification,
  deps: AnalysisDeps,
): string {
  const templates = Object.entries(deps.templates).map(([name, d]) => ({
    name,
    description: typeof d.description === 'string' ? d.description.slice(0, 300) : '',
    params: Object.keys(d.params ?? {}),
  }));
  return JSON.stringify({
    request,
    context,
    templates,
    agents: deps.agents.map((name) => ({ name, input: deps.agentSchemas?.[name] })),
    offlineClassifier: { workflowType: c.workflowType, strategy: strategyOf(c), scores: c.scores },
    successRates: deps.history?.rates ?? {},
  });
}

/** The plan an LLM answer names, or why it cannot be used. */
function planFromAnswer(
  answer: LlmDecision,
  request: string,
  context: Record<string, string>,
  deps: AnalysisDeps,
): Plan | string {
  const reasons = [`LLM: ${answer.reasoning}`];
  if (answer.strategy === 'compose') {
    if (!answer.definition) return 'it chose compose but gave no definition';
    const definition = answer.definition;
    return {
      strategy: 'compose',
      definition,
      params: { ...paramsFor(definition, request, context), ...answer.params },
      reasons,
    };
  }
  const names = (answer.template ?? '').split('+').filter(Boolean);
  const missing = names.filter((n) => !(n in deps.templates));
  if (names.length === 0 || missing.length)
    return `it chose template "${answer.template ?? ''}", which is not installed`;
  const definition =
    names.length === 2
      ? combineTemplates(
          { name: names[0]!, definition: deps.templates[names[0]!]! },
          { name: names[1]!, definition: deps.templates[names[1]!]! },
        )
      : deps.templates[names[0]!]!;
  const strategy: Strategy = names.length === 2 ? 'hybrid' : 'template';
  return {
    strategy,
    template: names.join('+'),
    definition,
    params: { ...paramsFor(definition, request, context), ...answer.params },
    reasons,
  };
}

const isBadOutput = (error: unknown) =>
  (error as { type?: unknown } | null)?.type === AGENT_FAILURES.BadOutput.type;

/**
 * The analysis with an LLM. An unparsable or unusable answer falls back to the offline classifier
 * (said in the reasoning); a composed definition that fails validation is sent back once with its
 * problems, and a second failure refuses the dispatch, listing them.
 */
export async function analyze(raw: DispatchRequest, deps: AnalysisDeps): Promise<DispatchDecision> {
  const llm = deps.llm;
  if (!llm) return analyzeOffline(raw, deps);
  const { request, context } = DispatchRequestSchema.parse(raw);
  const c = classify(request, context);
  const prompt = promptOf(request, context, c, deps);
  let answer: LlmDecision;
  try {
    answer = await llm.ask({ schema: LlmDecisionSchema, system: SYSTEM, prompt });
  } catch (error) {
    if (!isBadOutput(error)) throw error;
    return analyzeOffline(raw, deps, [
      `the LLM's answer did not parse (${(error as Error).message.slice(0, 200)}); the offline classifier decided`,
    ]);
  }
  let plan = planFromAnswer(answer, request, context, deps);
  if (typeof plan === 'string')
    return analyzeOffline(raw, deps, [
      `the LLM's answer was not usable: ${plan}; the offline classifier decided`,
    ]);
  let checked = check(plan, deps);
  if (!checked.ok && plan.strategy === 'compose') {
    const problems = checked.problems;
    const retry = `${prompt}\n\nYour previous definition is not valid. Fix these problems and answer again:\n${problems.map((p) => `- ${p.path}: ${p.message}`).join('\n')}`;
    answer = await llm.ask({ schema: LlmDecisionSchema, system: SYSTEM, prompt: retry });
    const second = planFromAnswer(answer, request, context, deps);
    if (typeof second === 'string')
      throw new DispatchError(`The LLM's second composition was not usable: ${second}`, problems);
    plan = second;
    plan.reasons.push(`the first composition was sent back with ${problems.length} problem(s)`);
    checked = check(plan, deps);
  }
  if (!checked.ok) {
    throw new DispatchError(
      `The dispatch was refused: the ${plan.strategy === 'compose' ? 'composed definition' : `definition of ${plan.template}`} is ${plan.strategy === 'compose' ? 'still not valid after one round of feedback' : 'not valid'}: ${formatted(checked.problems)}`,
      checked.problems,
    );
  }
  return decide(c, plan, checked.definition, deps, {
    workflowType: answer.workflowType,
    complexity: answer.complexity,
    agents: answer.agents.filter((a) => deps.agents.includes(a.name)),
  });
}
