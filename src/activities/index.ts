import { homedir } from 'node:os';
import { join } from 'node:path';
import { createAgentRegistry, type Agent } from './agents/agent';
import { builtinAgents } from './agents';
import { createArtifactStore, type ArtifactStore } from './artifacts';
import { createCheckAgents, createRunAgent } from './run-agent';

export interface ActivityDeps {
  /** The agents this worker offers; defaults to the built-ins. */
  agents?: readonly Agent[];
  /** Where run workspaces live; defaults to `$BATON_HOME/workspaces` (`~/.baton/workspaces`). */
  workspaceRoot?: string;
  /** Where artifacts go; defaults to `$BATON_ARTIFACTS_DIR` or `$BATON_HOME/artifacts`. */
  artifacts?: ArtifactStore;
}

export function defaultWorkspaceRoot(): string {
  return join(process.env.BATON_HOME ?? join(homedir(), '.baton'), 'workspaces');
}

/** The activities a Baton worker registers. Tests inject agents and a temp directory here. */
export function createActivities(deps: ActivityDeps = {}) {
  const agents = createAgentRegistry(deps.agents ?? builtinAgents());
  const workspaceRoot = deps.workspaceRoot ?? defaultWorkspaceRoot();
  return {
    runAgent: createRunAgent({ agents, workspaceRoot, artifacts: deps.artifacts ?? createArtifactStore() }),
    checkAgents: createCheckAgents({ agents }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { RunAgentInput, RunAgentResult, AgentFailureDetails, PhaseUsage } from './run-agent';
