/** How an agent asks the LLM its context carries, with the context's signal, heartbeat and usage. */
import type { z } from 'zod';
import { agentFailure } from '../../failures';
import type { AgentContext } from '../agent';

/** True when the context's LLM has a model for this agent; otherwise it works without one. */
export function hasLlm(context: AgentContext, agent: string): boolean {
  return context.llm?.configured(agent) ?? false;
}

/** One structured answer from the context's LLM, parsed through `schema`. */
export async function askLlm<S extends z.ZodType>(
  context: AgentContext,
  request: { agent: string; schema: S; system?: string; prompt: string },
): Promise<z.output<S>> {
  if (!context.llm) {
    throw agentFailure(
      'NotConfigured',
      `Agent "${request.agent}" needs an LLM, and this worker has none; start it with a baton.config or OPENAI_API_KEY, ANTHROPIC_API_KEY or OPENAI_BASE_URL`,
    );
  }
  return context.llm.generateObject({
    ...request,
    signal: context.signal,
    heartbeat: (details) => context.heartbeat(details),
    recordUsage: (usage) => context.recordUsage(usage),
  });
}
