import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { startDispatch } from '../../src/client/dispatch';
import { decide, waitForResult } from '../../src/client/runs';
import { BatonDispatch } from '../../src/shared/search-attributes';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';

const shared = useWorker({ prefix: 'dispatch', agents: builtinAgents() });

describe('the dispatch workflow', () => {
  it('composes the blue-green pipeline, records the choice and runs it after the plan (auto-approved)', async () => {
    const { workflowId } = await startDispatch(shared.baton, {
      request: 'Create an automated blue-green deployment pipeline with rollback',
      context: {},
      autoApprove: true,
      id: uniqueId('dispatch-bg'),
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.phases.map((p) => `${p.id}:${p.state}`)).toEqual(['plan:done', 'execute:done']);
    expect(summary.decisions.map((d) => `${d.phase}:${d.via}`)).toContain('plan:auto');
    // The chosen pipeline ran as a child run, with every composed phase and its gates (auto).
    const execute = summary.outputs.execute as { workflowId: string; result: { workspace: string } };
    const child = await waitForResult(shared.baton, execute.workflowId);
    expect(child.phases.map((p) => `${p.id}:${p.state}`)).toEqual([
      'design:done',
      'implement:done',
      'test:done',
      'review:done',
      'deploy-green:done',
      'promote:done',
    ]);
    expect(child.decisions.map((d) => d.phase)).toEqual(['review', 'deploy-green', 'promote']);
    const plan = summary.outputs.plan as { strategy: string; planPath: string; phases: unknown[] };
    expect(plan.strategy).toBe('compose');
    expect(plan.phases).toHaveLength(6);
    const description = await shared.baton.client.workflow.getHandle(workflowId).describe();
    expect(description.type).toBe('dispatch');
    expect(description.typedSearchAttributes.get(BatonDispatch)).toBe('compose:composed');
    expect(readFileSync(path.join(summary.result!.workspace, 'plan.md'), 'utf8')).toContain(
      'Strategy: compose',
    );
    expect(existsSync(path.join(child.result!.workspace, 'deploy', 'production', 'manifest.json'))).toBe(
      true,
    );
  });

  it('stops at the plan gate; rejecting it runs nothing of the chosen template', async () => {
    const { workflowId } = await startDispatch(shared.baton, {
      request: 'Research express openapi generators',
      context: { limit: '2' },
      id: uniqueId('dispatch-research'),
    });
    const status = await waitForGate(shared.baton, workflowId, 'plan');
    expect(status.phases.map((p) => p.id)).toEqual(['plan', 'execute']);
    expect(status.phases.find((p) => p.id === 'execute')?.state).toBe('pending');
    expect(
      (await shared.baton.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(
        BatonDispatch,
      ),
    ).toBe('template:research');
    await decide(shared.baton, workflowId, {
      phase: 'plan',
      action: 'reject',
      by: 'pat',
      comment: 'not now',
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('rejected');
    expect(summary.phases.find((p) => p.id === 'execute')?.runs).toBe(0);
  });

  it('answers status from its first moment, while it analyses', async () => {
    const { workflowId } = await startDispatch(shared.baton, {
      request: 'Research vector databases',
      context: {},
      id: uniqueId('dispatch-status'),
    });
    const status = await waitFor(
      () => queryStatus(shared.baton, workflowId),
      (s) => s.phases.length > 0 || s.reason === 'analysing the request',
    );
    expect(['dispatch', 'dispatch-research']).toContain(status.name);
    await shared.baton.client.workflow.getHandle(workflowId).terminate('test over');
  });
});
