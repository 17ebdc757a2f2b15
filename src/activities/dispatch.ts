/**
 * The dispatch analysis activity: reads the installed templates, the worker's agents and what past
 * runs say (visibility, through the activity's Temporal client), then runs the analysis
 * (src/dispatch) with the worker's LLM when it has a model for `dispatch`. Returns the decision
 * and the pipeline the `dispatch` workflow runs.
 */
import { Context } from '@temporalio/activity';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { analyze, DispatchError, type AnalysisDeps, type DispatchLlm } from '../dispatch/analyze';
import { DispatchRequestSchema, type DispatchDecision, type DispatchRequest } from '../dispatch/decision';
import { dispatchSuccessRates, templateHistories } from '../dispatch/history';
import { dispatchPipeline } from '../dispatch/plan';
import { loadTemplateBook } from '../dispatch/template-book';
import type { AgentInputSchemas } from '../shared/input-schema';
import { agentFailure, describeIssues } from './failures';
import { agentInputSchema, type AgentRegistry } from './agents/agent';
import type { Llm } from './llm';

/** The model is chosen as for an agent named `dispatch` (`BATON_MODEL_DISPATCH`, `agents.dispatch.model`). */
export const DISPATCH_LLM_AGENT = 'dispatch';

export interface DispatchDeps {
  agents: AgentRegistry;
  llm?: Llm;
  /** Defaults to `$BATON_TEMPLATES_DIR` or the repository's `templates/`. */
  templatesDir?: string;
}

export interface AnalyzeDispatchResult {
  decision: DispatchDecision;
  /** The definition and params the dispatch's pipeline runs (plan phase first). */
  pipeline: ReturnType<typeof dispatchPipeline>;
  /** Where the history could not be read (no server answer): the analysis went on without it. */
  notes: string[];
}

export const defaultTemplatesDir = () =>
  process.env.BATON_TEMPLATES_DIR ?? fileURLToPath(new URL('../../templates', import.meta.url));

/** The worker's Llm as the analysis asks it, with the activity's signal and heartbeat. */
export function dispatchLlm(
  llm: Llm | undefined,
  signal?: AbortSignal,
  heartbeat?: () => void,
): DispatchLlm | undefined {
  if (!llm?.configured(DISPATCH_LLM_AGENT)) return undefined;
  return {
    ask: <S extends z.ZodType>(request: { schema: S; system: string; prompt: string }) =>
      llm.generateObject({
        ...request,
        agent: DISPATCH_LLM_AGENT,
        signal,
        heartbeat,
        recordUsage: () => undefined,
      }),
  };
}

/** The agents' names and input schemas, as the analysis checks a definition against them. */
export function registryFacts(agents: AgentRegistry): { names: string[]; schemas: AgentInputSchemas } {
  const names = [...agents.keys()].sort();
  const schemas: AgentInputSchemas = {};
  for (const agent of agents.values()) {
    const schema = agentInputSchema(agent);
    if (schema) schemas[agent.name] = schema;
  }
  return { names, schemas };
}

export function createDispatchActivities(deps: DispatchDeps) {
  return {
    async analyzeDispatch(
      raw: DispatchRequest,
      options: { flatten?: boolean } = {},
    ): Promise<AnalyzeDispatchResult> {
      const parsed = DispatchRequestSchema.safeParse(raw);
      if (!parsed.success)
        throw agentFailure('BadInput', `Invalid dispatch request: ${describeIssues(parsed.error)}`);
      const ctx = Context.current();
      const { templates } = await loadTemplateBook(deps.templatesDir ?? defaultTemplatesDir());
      const { names, schemas } = registryFacts(deps.agents);
      const notes: string[] = [];
      let history: AnalysisDeps['history'];
      try {
        history = {
          templates: await templateHistories(ctx.client, Object.keys(templates)),
          rates: await dispatchSuccessRates(ctx.client),
        };
      } catch (error) {
        notes.push(`past runs could not be read (${(error as Error).message}); estimated from defaults`);
      }
      try {
        const decision = await analyze(parsed.data, {
          templates,
          agents: names,
          agentSchemas: schemas,
          history,
          llm: dispatchLlm(deps.llm, ctx.cancellationSignal, () => ctx.heartbeat()),
        });
        return { decision, pipeline: dispatchPipeline(parsed.data.request, decision, options), notes };
      } catch (error) {
        if (error instanceof DispatchError) {
          throw agentFailure('BadInput', error.message, { details: [{ problems: error.problems }] });
        }
        throw error;
      }
    },
  };
}
