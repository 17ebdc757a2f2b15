import type { Llm } from '../llm';
import type { Agent } from './agent';
import { apiSpecAgent } from './api-spec';
import { buildAgent } from './build';
import { codegenAgent } from './codegen';
import { deployAgent } from './deploy';
import { designAgent } from './design';
import { reviewAgent } from './review';

export { apiSpecAgent } from './api-spec';
export { buildAgent } from './build';
export { codegenAgent } from './codegen';
export { deployAgent } from './deploy';
export { designAgent } from './design';
export { reviewAgent } from './review';
export { type Agent, type AgentContext, type AgentRegistry, createAgentRegistry, defineAgent } from './agent';

/**
 * The deterministic agents every worker offers: they do real, small work in the run's workspace
 * (write a spec, generate, review, build and pack a project) without an LLM.
 */
export function builtinAgents(_deps: { llm?: Llm } = {}): Agent[] {
  return [apiSpecAgent, codegenAgent, reviewAgent, buildAgent, designAgent, deployAgent];
}
