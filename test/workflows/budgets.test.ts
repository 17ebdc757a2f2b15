import { describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { DecisionRejectedError } from '../../src/client/errors';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, testBaton, uniqueId, waitFor, withWorker } from '../helpers/env';

const agents = testAgents().map((a) => a.name);

describe('budgets', () => {
  it('opens a budget gate instead of spending over the run budget; modify raises it and the run goes on', async () => {
    const taskQueue = uniqueId('budget');
    const baton = await testBaton(taskQueue);
    await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        approvalMode: 'auto',
        definition: definition(
          [
            { id: 'a', agent: 'spend', input: { tokens: 80, costUsd: 0.02 } },
            { id: 'b', agent: 'spend', needs: ['a'], input: { tokens: 50, costUsd: 0.01 } },
            { id: 'c', agent: 'spend', needs: ['b'], input: { tokens: 10 } },
          ],
          { budget: { tokens: 100 } },
        ),
      });
      const gated = await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.some((g) => g.phase === 'c'),
      );
      // a (80) fit; b started with 80 < 100 spent; c would spend over 130 ≥ 100, so it waits, unspent.
      expect(gated.gates).toEqual([
        expect.objectContaining({
          phase: 'c',
          kind: 'budget',
          reason: 'run budget of 100 tokens: 130 spent',
        }),
      ]);
      expect(gated.phases.find((p) => p.id === 'c')).toMatchObject({ state: 'pending', runs: 0 });
      expect(gated.usage).toEqual({ inputTokens: 65, outputTokens: 65, costUsd: 0.03, calls: 2 });

      const refused = await decide(baton, workflowId, {
        phase: 'c',
        action: 'modify',
        by: 'pat',
        changes: { budget: { tokens: 'lots' } },
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DecisionRejectedError);
      expect((refused as Error).message).toContain('modify at a budget gate takes changes like');

      await decide(baton, workflowId, {
        phase: 'c',
        action: 'modify',
        by: 'pat',
        changes: { budget: { tokens: 1000 } },
      });
      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('completed');
      expect(summary.budget).toEqual({ tokens: 1000 });
      expect(summary.usage.inputTokens + summary.usage.outputTokens).toBe(140);
      expect(summary.phases.map((p) => p.usage.calls)).toEqual([1, 1, 1]);
      expect(summary.decisions).toEqual([
        expect.objectContaining({ phase: 'c', action: 'modify', by: 'pat' }),
      ]);
    });
    await baton.close();
  });

  it('reserves a phase budget before starting the phase, and reject stops the run unspent', async () => {
    const taskQueue = uniqueId('budget-phase');
    const baton = await testBaton(taskQueue);
    await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition(
          [
            { id: 'a', agent: 'spend', input: { tokens: 0, costUsd: 0.6 } },
            {
              id: 'b',
              agent: 'spend',
              needs: ['a'],
              input: { tokens: 0, costUsd: 0.1 },
              budget: { costUsd: 0.5 },
            },
          ],
          { budget: { costUsd: 1 } },
        ),
      });
      const gated = await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.some((g) => g.phase === 'b'),
      );
      expect(gated.gates[0]).toMatchObject({ kind: 'budget', id: 'b#1' });
      expect((gated.gates[0] as { reason: string }).reason).toBe(
        'run budget of $1: $0.6000 spent, and "b" may spend $0.5000 more',
      );
      await decide(baton, workflowId, { phase: 'b', action: 'reject', by: 'pat', comment: 'too dear' });
      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('rejected');
      expect(summary.phases[1]).toMatchObject({ state: 'rejected', runs: 0 });
      expect(summary.usage.costUsd).toBeCloseTo(0.6);
    });
    await baton.close();
  });

  it('counts what running phases may still spend, so parallel phases cannot overspend together', async () => {
    const taskQueue = uniqueId('budget-parallel');
    const baton = await testBaton(taskQueue);
    await withWorker({ taskQueue }, async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition(
          [
            { id: 'left', agent: 'hold', input: { release: 'go' }, budget: { tokens: 60 } },
            { id: 'right', agent: 'spend', input: { tokens: 60 }, budget: { tokens: 60 } },
          ],
          { budget: { tokens: 100 } },
        ),
      });
      // Whichever starts second would find 60 reserved by the first, and 60 more does not fit in 100.
      const gated = await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates.length === 1,
      );
      expect(gated.gates[0]).toMatchObject({ kind: 'budget' });
      expect((gated.gates[0] as { reason: string }).reason).toContain('60 reserved by running phases');
      await baton.client.workflow.getHandle(workflowId).cancel();
    });
    await baton.close();
  });
});
