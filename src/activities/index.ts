import { join } from 'node:path';
import { batonHome, type BatonConfig } from '../config';
import { createArtifactStore, type ArtifactStore } from '../store/artifacts';
import { builtinAgents } from './agents';
import { createAgentRegistry, type Agent } from './agents/agent';
import { defineCommandAgents } from './agents/command/agent';
import { llmAgent } from './agents/llm-agent';
import { findPrlimit, limitCommandAgents } from './agents/specialist/limits';
import { createLlm, type Llm } from './llm';
import { createCheckAgents, createRunAgent } from './run-agent';
import { createWorkspaceActivities } from './workspace';
import { createMergeActivities } from './merge';
import { createLockActivities } from './locks';
import { createGovernanceActivities } from './governance';
import { createNotificationActivities } from './notifications';
import { createMessageActivities } from './messages';
import { createDispatchActivities } from './dispatch';
import { createTemplateActivities } from './templates';

export interface ActivityDeps {
  /** The agents this worker offers; defaults to the built-ins. */
  agents?: readonly Agent[];
  /** Where run workspaces live; defaults to `$BATON_HOME/workspaces` (`~/.baton/workspaces`). */
  workspaceRoot?: string;
  /** Where artifacts go; defaults to `$BATON_ARTIFACTS_DIR` or `$BATON_HOME/artifacts`. */
  artifacts?: ArtifactStore;
  /** Providers, models and command agents (`loadConfig()`); without it agents run offline. */
  config?: BatonConfig;
  /** The LLM in every agent's context; built from `config` when omitted. */
  llm?: Llm;
  /** Where `pipeline: <template>` phases and `dispatch` find templates; defaults to `templatesDir()`. */
  templatesDir?: string;
}

/**
 * Every agent a worker with this configuration offers: the built-ins, the `llm` agent (with a
 * configuration: it has nothing to do without one), and the config's command agents. All of them
 * are plain `Agent` objects; each gets the LLM through its context at run time.
 */
export function configuredAgents(config?: BatonConfig): Agent[] {
  return [
    ...builtinAgents(config?.specialists),
    ...(config ? [llmAgent] : []),
    ...defineCommandAgents(
      limitCommandAgents(config?.commandAgents ?? {}, config?.specialists ?? {}, findPrlimit()),
    ),
  ];
}

function defaultWorkspaceRoot(): string {
  return join(batonHome(), 'workspaces');
}

/** The activities a Baton worker registers. Tests inject agents and a temp directory here. */
export function createActivities(deps: ActivityDeps = {}) {
  const llm = deps.llm ?? (deps.config && createLlm(deps.config));
  const agents = createAgentRegistry(deps.agents ?? configuredAgents(deps.config));
  const workspaceRoot = deps.workspaceRoot ?? defaultWorkspaceRoot();
  return {
    runAgent: createRunAgent({
      agents,
      workspaceRoot,
      artifacts: deps.artifacts ?? createArtifactStore(),
      llm,
    }),
    checkAgents: createCheckAgents({ agents }),
    ...createWorkspaceActivities({ workspaceRoot }),
    ...createMergeActivities({ workspaceRoot }),
    ...createLockActivities(),
    ...createGovernanceActivities({ config: deps.config, env: process.env }),
    ...createNotificationActivities({ config: deps.config, env: process.env }),
    ...createMessageActivities(),
    ...createTemplateActivities({ dir: deps.templatesDir }),
    ...createDispatchActivities({ agents, llm, templatesDir: deps.templatesDir }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { AgentFailureDetails } from './failures';
export type { RunAgentInput, RunAgentResult, PhaseUsage } from './run-agent';
