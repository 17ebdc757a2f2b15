/**
 * The analysis on this machine, for `baton dispatch --dry-run`: the installed templates, the agents
 * a worker here would offer (baton.config), the LLM it configures for `dispatch`, and past runs
 * when a Temporal client is given. Starts nothing.
 */
import type { Client } from '@temporalio/client';
import { dispatchLlm } from '../activities/dispatch';
import { createLlm } from '../activities/llm';
import { agentCatalog, type BatonConfig } from '../config';
import { analyze, type AnalysisDeps } from './analyze';
import type { DispatchDecision, DispatchRequest } from './decision';
import { dispatchSuccessRates, templateHistories } from './history';
import { loadTemplateBook } from './template-book';

export interface LocalAnalysis {
  decision: DispatchDecision;
  /** What the analysis could not use (history unreadable), said to the user. */
  notes: string[];
}

export async function analyzeLocally(
  request: DispatchRequest,
  options: { templatesDir: string; config?: BatonConfig; client?: Client },
): Promise<LocalAnalysis> {
  const { templates } = await loadTemplateBook(options.templatesDir);
  const { names, schemas } = agentCatalog(options.config);
  const notes: string[] = [];
  let history: AnalysisDeps['history'];
  if (options.client) {
    try {
      history = {
        templates: await templateHistories(options.client, Object.keys(templates)),
        rates: await dispatchSuccessRates(options.client),
      };
    } catch (error) {
      notes.push(`past runs could not be read (${(error as Error).message}); estimated from defaults`);
    }
  } else notes.push('no Temporal server reached: no history; the estimate uses per-agent defaults');
  const llm = options.config ? dispatchLlm(createLlm(options.config)) : undefined;
  const decision = await analyze(request, { templates, agents: names, agentSchemas: schemas, history, llm });
  return { decision, notes };
}
