import type { Llm } from '../llm';
import type { Agent } from './agent';
import { createApiSpecAgent } from './api-spec';
import { buildAgent } from './build';
import { createCodegenAgent } from './codegen';
import { deployAgent } from './deploy';
import { designAgent } from './design';
import { researchAgent } from './research';
import { createReviewAgent } from './review';

export { apiSpecAgent, createApiSpecAgent } from './api-spec';
export { buildAgent } from './build';
export { codegenAgent, createCodegenAgent } from './codegen';
export { deployAgent } from './deploy';
export { designAgent } from './design';
export { createResearchAgent, researchAgent } from './research';
export { createReviewAgent, reviewAgent } from './review';
export { type Agent, type AgentContext, type AgentRegistry, createAgentRegistry, defineAgent } from './agent';

/**
 * The built-in agents every worker offers. They do real work in the run's workspace (write and
 * validate a spec, generate, review, build, pack, research). `api-spec`, `codegen` and `review`
 * use the LLM for their part when one is configured for them, and work deterministically without.
 */
export function builtinAgents({ llm }: { llm?: Llm } = {}): Agent[] {
  return [
    createApiSpecAgent({ llm }),
    createCodegenAgent({ llm }),
    createReviewAgent({ llm }),
    buildAgent,
    designAgent,
    deployAgent,
    researchAgent,
  ];
}
