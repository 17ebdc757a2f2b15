import { AGENT_INPUTS } from '../../shared/agent-inputs';
import { z } from 'zod';
import { type Agent, type AgentContext, defineAgent } from './agent';
import { askLlm, hasLlm } from './toolbox/llm';

/** What an LLM-backed agent is: its schemas, and how its input becomes a prompt. */
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

/**
 * Defines an agent whose work is one structured LLM answer, from the LLM its context carries (so
 * the worker, or a test, decides which LLM it uses).
 */
export function defineLlmAgent<IS extends z.ZodType, OS extends z.ZodType>(
  spec: LlmAgentSpec<IS, OS>,
): Agent<z.output<IS>, z.output<OS>> {
  return defineAgent({
    name: spec.name,
    description: spec.description,
    input: spec.input,
    output: spec.output,
    llm: spec.fallback ? 'optional' : 'required',
    async run(input, context) {
      if (!hasLlm(context, spec.name) && spec.fallback) {
        context.log(`Agent "${spec.name}" runs without an LLM (none configured)`, {
          agent: spec.name,
          llm: false,
        });
        return spec.fallback(input, context);
      }
      // Without a fallback, an unconfigured LLM fails the phase as non-retryable Agent.NotConfigured.
      // The answer was parsed through `output` already; runAgent checks it once more at the boundary.
      const answer = await askLlm(context, {
        agent: spec.name,
        schema: spec.output,
        system: typeof spec.system === 'function' ? spec.system(input) : spec.system,
        prompt: spec.prompt(input),
      });
      return answer as z.input<OS>;
    },
  });
}

/** The generic `llm` agent: a prompt in, `{ answer }` out. Useful for ad-hoc phases and smoke tests. */
export const llmAgent = defineLlmAgent({
  name: 'llm',
  description: 'asks the configured LLM a question and returns its answer',
  input: AGENT_INPUTS.llm,
  output: z.object({ answer: z.string() }),
  system: (input) => input.system ?? 'You are a careful software engineer. Answer precisely.',
  prompt: (input) => input.prompt,
});
