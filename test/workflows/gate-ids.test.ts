import { describe, expect, it } from 'vitest';
import { DecisionRejectedError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitFor } from '../helpers/env';

const agents = testAgents().map((a) => a.name);
const shared = useWorker({ prefix: 'gate-ids' });

async function atSecondGate(): Promise<string> {
  const { workflowId } = await startRun(shared.baton, {
    agents,
    definition: definition([{ id: 'spec', agent: 'echo', input: { v: 1 }, approval: true }]),
  });
  const first = await waitFor(
    () => queryStatus(shared.baton, workflowId),
    (s) => s.gates.length === 1,
  );
  expect(first.gates[0]).toMatchObject({ id: 'spec#1', phase: 'spec', kind: 'approval' });
  await decide(shared.baton, workflowId, { phase: 'spec', gate: 'spec#1', action: 'retry', by: 'alice' });
  const second = await waitFor(
    () => queryStatus(shared.baton, workflowId),
    (s) => s.phases[0]!.runs === 2 && s.gates.length === 1,
  );
  expect(second.gates[0]!.id).toBe('spec#2');
  return workflowId;
}

describe('gate ids', () => {
  it('the decide validator refuses a decision naming a gate that has closed', async () => {
    const id = await atSecondGate();
    const late = await decide(
      shared.baton,
      id,
      { phase: 'spec', gate: 'spec#1', action: 'approve', by: 'bob' },
      { via: 'update' },
    ).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DecisionRejectedError);
    expect((late as Error).message).toContain('gate spec#1 has closed; the open gate of spec is spec#2');
    const wrongPhase = await decide(
      shared.baton,
      id,
      { phase: 'spec', gate: 'build#2', action: 'approve', by: 'bob' },
      { via: 'update' },
    ).catch((e: unknown) => e);
    expect((wrongPhase as Error).message).toContain('gate build#2 is not a gate of phase "spec"');
    // The gate is still open, and the decision naming it lands.
    expect((await queryStatus(shared.baton, id)).gates.map((g) => g.id)).toEqual(['spec#2']);
    await decide(shared.baton, id, { phase: 'spec', gate: 'spec#2', action: 'approve', by: 'bob' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions.map((d) => [d.gate, d.action, d.by])).toEqual([
      ['spec#1', 'retry', 'alice'],
      ['spec#2', 'approve', 'bob'],
    ]);
  });

  it('a signal naming a closed gate is recorded as ignored; one without a gate still lands', async () => {
    const id = await atSecondGate();
    const handle = shared.baton.client.workflow.getHandle(id);
    await handle.signal('approval', { phase: 'spec', gate: 'spec#1', action: 'approve', by: 'late' });
    const ignored = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 1,
    );
    expect(ignored.ignoredSignals[0]!.reason).toBe('gate spec#1 has closed; the open gate of spec is spec#2');
    expect(ignored.gates.map((g) => g.id)).toEqual(['spec#2']);
    expect(ignored.phases[0]!.state).toBe('awaiting-approval');
    // Without `gate`, the decision goes to the phase's open gate, as before gate ids.
    await handle.signal('approval', { phase: 'spec', action: 'approve', by: 'carol' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions.at(-1)).toMatchObject({ gate: 'spec#2', action: 'approve', by: 'carol' });
  });
});
