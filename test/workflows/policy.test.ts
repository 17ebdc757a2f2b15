import { describe, expect, it } from 'vitest';
import { startRun, waitForResult, decide } from '../../src/client/runs';
import { POLICY_DECIDER } from '../../src/shared/governance';
import { testAgents } from '../helpers/agents';
import { definition, useWorker, waitForGate } from '../helpers/env';

const shared = useWorker({ prefix: 'policy' });
const agents = testAgents().map((a) => a.name);
const WHEN = 'phases.review.output.echoed.errors == 0 && phases.review.output.echoed.warnings < 3';

/** review (echo of `findings`) → ship, gated by the policy. */
const start = (findings: Record<string, unknown>, when = WHEN) =>
  startRun(shared.baton, {
    agents,
    definition: definition([
      { id: 'review', agent: 'echo', input: findings },
      { id: 'ship', agent: 'echo', needs: ['review'], approval: { autoApprove: { when } } },
    ]),
  });

describe('autoApprove.when (CEL policy) in a run', () => {
  it('a true policy approves as baton:policy, with the expression and its inputs on the record', async () => {
    const { workflowId } = await start({ errors: 0, warnings: 2 });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([
      expect.objectContaining({
        phase: 'ship',
        gate: 'ship#1',
        action: 'approve',
        by: POLICY_DECIDER,
        via: 'policy',
        digest: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
        policy: {
          when: WHEN,
          inputs: { 'phases.review.output.echoed.errors': 0, 'phases.review.output.echoed.warnings': 2 },
        },
      }),
    ]);
  });

  it('a false policy leaves the gate to a human', async () => {
    const { workflowId } = await start({ errors: 1, warnings: 0 });
    const status = await waitForGate(shared.baton, workflowId, 'ship');
    expect(status.gates[0]).toMatchObject({ id: 'ship#1', kind: 'approval' });
    expect(status.gates[0]!.policyError).toBeUndefined();
    expect(status.decisions).toEqual([]);
    await decide(shared.baton, workflowId, { phase: 'ship', action: 'approve', by: 'alice' });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.decisions).toEqual([expect.objectContaining({ by: 'alice', action: 'approve' })]);
  });

  it('a policy that cannot be evaluated leaves the gate to a human, saying why on the gate', async () => {
    // The review reported no warnings field: the policy cannot decide, so it does not.
    const { workflowId } = await start({ errors: 0 });
    const status = await waitForGate(shared.baton, workflowId, 'ship');
    expect(status.gates[0]!.policyError).toMatch(/No such key: warnings at column \d+ .*has\(\)/);
    expect(status.decisions).toEqual([]);
    await decide(shared.baton, workflowId, { phase: 'ship', action: 'approve', by: 'alice' });
    expect((await waitForResult(shared.baton, workflowId)).state).toBe('completed');
  });

  it('a malformed expression is a definition error with its column, and no run starts', async () => {
    const started = start({ errors: 0 }, 'phases.review.output.echoed.errors = = 0');
    await expect(started).rejects.toThrow(
      /phases\[ship\]\.approval\.autoApprove\.when: is not a valid CEL expression: Unexpected character: = at column 36/,
    );
  });
});
