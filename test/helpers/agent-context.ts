import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';
import type { AgentContext } from '../../src/activities/agents/agent';
import { createArtifactStore } from '../../src/store/artifacts';

/** An AgentContext for calling an agent directly, outside an activity; override what a test watches. */
export function agentContext(workspace: string, overrides: Partial<AgentContext> = {}): AgentContext {
  return {
    workspace,
    workflowId: 'agent-test',
    runId: 'run-1',
    phase: 'phase',
    attempt: 1,
    heartbeat: () => undefined,
    signal: new AbortController().signal,
    log: () => undefined,
    saveArtifact: (artifact) => createArtifactStore(join(workspace, '.artifacts')).put(artifact),
    recordUsage: () => undefined,
    ...overrides,
  };
}

/** The ApplicationFailure a promise rejects with; fails the test if it resolves or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}
