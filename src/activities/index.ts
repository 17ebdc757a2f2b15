import { batonHome } from './home';
import { join } from 'node:path';
import { createAgentRegistry, type Agent } from './agents/agent';
import { builtinAgents } from './agents';
import { defineCommandAgents } from './agents/command-agent';
import { llmAgents } from './agents/llm-agent';
import type { BatonConfig } from './config';
import { createLlm, type Llm } from './llm';
import { createArtifactStore, type ArtifactStore } from './artifacts';
import { createCheckAgents, createRunAgent } from './run-agent';
import { createWorkspaceActivities } from './workspace';

export interface ActivityDeps {
  /** The agents this worker offers; defaults to the built-ins. */
  agents?: readonly Agent[];
  /** Where run workspaces live; defaults to `$BATON_HOME/workspaces` (`~/.baton/workspaces`). */
  workspaceRoot?: string;
  /** Where artifacts go; defaults to `$BATON_ARTIFACTS_DIR` or `$BATON_HOME/artifacts`. */
  artifacts?: ArtifactStore;
  /** Providers, models and command agents (`loadConfig()`); without it agents run offline. */
  config?: BatonConfig;
  /** The LLM agents use; built from `config` when omitted. */
  llm?: Llm;
}

/** Every agent a worker with this configuration offers: built-ins, LLM agents, command agents. */
export function configuredAgents(
  config?: BatonConfig,
  llm: Llm | undefined = config && createLlm(config),
): Agent[] {
  return [
    ...builtinAgents({ llm }),
    ...(llm ? llmAgents(llm) : []),
    ...defineCommandAgents(config?.commandAgents ?? {}),
  ];
}

export function defaultWorkspaceRoot(): string {
  return join(batonHome(), 'workspaces');
}

/** The activities a Baton worker registers. Tests inject agents and a temp directory here. */
export function createActivities(deps: ActivityDeps = {}) {
  const llm = deps.llm ?? (deps.config && createLlm(deps.config));
  const agents = createAgentRegistry(deps.agents ?? configuredAgents(deps.config, llm));
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
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunAgentInput, RunAgentResult, AgentFailureDetails, PhaseUsage } from './run-agent';
