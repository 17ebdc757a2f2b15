import { z } from 'zod';
import type { Llm } from '../llm';
import { defineAgent, type Agent, type AgentContext } from './agent';

/** What an LLM-backed agent is, before it is given an LLM. */
export interface LlmAgentSpec<IS extends z.ZodType, OS extends z.ZodType> {
  name: string;
  description: string;
  input: IS;
  /** The agent's output, and the structured answer asked of the model. */
  output: OS;
  system: string | ((input: z.output<IS>) => string);
  prompt: (input: z.output<IS>) => string;
  /** Runs instead of the model when no LLM is configured for this agent. Without it, the phase fails. */
  fallback?: (input: z.output<IS>, context: AgentContext) => Promise<z.input<OS>>;
}

/** Builds an agent from its spec and the LLM it gets through the activities' deps. */
export type LlmAgentFactory<I, O> = (llm: Llm) => Agent<I, O>;

/**
 * Defines an agent whose work is one structured LLM answer. The result is a factory, so the
 * worker (or a test) decides which LLM it uses: `defineLlmAgent({...})(createLlm(config))`.
 */
export function defineLlmAgent<IS extends z.ZodType, OS extends z.ZodType>(
  spec: LlmAgentSpec<IS, OS>,
): LlmAgentFactory<z.output<IS>, z.output<OS>> {
  return (llm) =>
    defineAgent({
      name: spec.name,
      description: spec.description,
      input: spec.input,
      output: spec.output,
      llm: spec.fallback ? 'optional' : 'required',
      async run(input, context) {
        if (!llm.configured(spec.name) && spec.fallback) {
          context.log(`Agent "${spec.name}" runs without an LLM (none configured)`, {
            agent: spec.name,
            llm: false,
          });
          return spec.fallback(input, context);
        }
        // Without a fallback, an unconfigured LLM fails the phase as non-retryable Agent.NotConfigured.
        // The answer was parsed through `output` already; runAgent checks it once more at the boundary.
        const answer = await llm.generateObject({
          agent: spec.name,
          schema: spec.output,
          system: typeof spec.system === 'function' ? spec.system(input) : spec.system,
          prompt: spec.prompt(input),
          signal: context.signal,
          heartbeat: (details) => context.heartbeat(details),
          recordUsage: (usage) => context.recordUsage(usage),
        });
        return answer as z.input<OS>;
      },
    });
}

export const LlmInputSchema = z.object({
  prompt: z.string().min(1),
  system: z.string().optional(),
});
export const LlmOutputSchema = z.object({ answer: z.string() });

/** The generic `llm` agent: a prompt in, `{ answer }` out. Useful for ad-hoc phases and smoke tests. */
export const llmAgent = defineLlmAgent({
  name: 'llm',
  description: 'asks the configured LLM a question and returns its answer',
  input: LlmInputSchema,
  output: LlmOutputSchema,
  system: (input) => input.system ?? 'You are a careful software engineer. Answer precisely.',
  prompt: (input) => input.prompt,
});

/** The LLM-backed agents a worker offers, given its LLM. */
export function llmAgents(llm: Llm): Agent[] {
  return [llmAgent(llm)];
}
