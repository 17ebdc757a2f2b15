import type { Specialist } from '../../config';
import type { Agent } from './agent';
import { buildAgent } from './build/agent';
import { codegenAgent } from './codegen/agent';
import { createDecomposeAgent } from './decompose/agent';
import { createRequirementsAgent } from './decompose/requirements';
import { deployAgent } from './deploy';
import { dispatchPlanAgent } from './dispatch-plan';
import { pullRequestAgent } from './pull-request';
import { researchAgent } from './research';
import { mergeResolverAgent } from './resolver/agent';
import { reviewAgent } from './review/agent';
import { apiSpecAgent } from './spec/api-spec';
import { designAgent } from './spec/design';
import { securityAgents } from './security';
import { templateAgents } from './template-agents';
import { backendDevAgent, docsWriterAgent, frontendDevAgent, testWriterAgent } from './specialist/agents';

/**
 * The built-in agents every worker offers. They do real work in the run's workspace (write and
 * validate a spec, generate, review, build, pack, research). `api-spec`, `codegen` and `review`
 * use the LLM in their context for their part when it has a model for them, and work
 * deterministically without.
 */
export function builtinAgents(specialists?: Record<string, Specialist>): Agent[] {
  return [
    apiSpecAgent,
    codegenAgent,
    reviewAgent,
    buildAgent,
    designAgent,
    deployAgent,
    researchAgent,
    mergeResolverAgent,
    // `decompose` and `requirements` map specialists to agents: the config's specialists, when given.
    createRequirementsAgent(specialists),
    createDecomposeAgent(specialists),
    backendDevAgent,
    frontendDevAgent,
    testWriterAgent,
    docsWriterAgent,
    pullRequestAgent,
    ...securityAgents,
    ...templateAgents,
    dispatchPlanAgent,
  ];
}
