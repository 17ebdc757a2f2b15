import { describe, expect, it } from 'vitest';
import { DecisionRejectedError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { OpenGate } from '../../src/shared/status';
import { strictAgent, testAgents } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitFor, waitForGate } from '../helpers/env';

const shared = useWorker({ prefix: 'gate-typos', agents: [...testAgents(), strictAgent] });
const agents = [...testAgents(), strictAgent].map((a) => a.name);

const gated = (agent = 'echo', input: Record<string, unknown> = { tone: 'casual' }) =>
  definition([{ id: 'draft', agent, input, approval: true }]);

describe('gates forgive typos', () => {
  const startStrict = async () => {
    const { workflowId } = await startRun(shared.baton, { agents, definition: gated('strict') });
    await waitForGate(shared.baton, workflowId, 'draft');
    return workflowId;
  };

  it('a modify naming a field the agent does not take is refused by update, with the accepted fields', async () => {
    const id = await startStrict();
    const error = await decide(
      shared.baton,
      id,
      { phase: 'draft', action: 'modify', by: 'alice', changes: { resource: 'orders' } },
      { via: 'update' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect((error as Error).message).toContain(
      'modify changes "resource", which agent "strict" does not take; it accepts: length, tone',
    );
    await shared.baton.client.workflow.getHandle(id).cancel();
  });

  it('the same modify by signal is ignored with the reason, and the gate stays open', async () => {
    const id = await startStrict();
    const error = await decide(shared.baton, id, {
      phase: 'draft',
      action: 'modify',
      by: 'alice',
      changes: { resource: 'orders' },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'which agent "strict" does not take; it accepts: length, tone',
    );
    const status = await queryStatus(shared.baton, id);
    expect(status.gates.map((g) => g.phase)).toEqual(['draft']);
    expect(status.phases[0]!.runs).toBe(1);
    await shared.baton.client.workflow.getHandle(id).cancel();
  });

  it('a modify whose run fails with Agent.BadInput reopens the gate with the error; a good one then runs', async () => {
    const id = await startStrict();
    await decide(shared.baton, id, {
      phase: 'draft',
      action: 'modify',
      by: 'alice',
      changes: { tone: 'cobol' },
    });
    const reopened = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 2 && s.gates.length === 1,
    );
    expect(reopened.state).toBe('waiting');
    const gate = reopened.gates[0] as Extract<OpenGate, { kind: 'approval' }>;
    expect(gate.id).toBe('draft#2');
    expect(gate.error).toMatchObject({ type: 'Agent.BadInput' });
    expect(gate.error!.message).toContain('input for agent "strict" is invalid');
    expect(gate.output).toEqual({ tone: 'casual' });
    // The input is back to what it was: retry runs it as before the bad modify.
    await decide(shared.baton, id, { phase: 'draft', action: 'retry', by: 'alice' });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 3 && s.gates.length === 1 && !(s.gates[0] as { error?: unknown }).error,
    );
    await decide(shared.baton, id, {
      phase: 'draft',
      action: 'modify',
      by: 'alice',
      changes: { tone: 'formal' },
    });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 4 && s.gates.length === 1,
    );
    await decide(shared.baton, id, { phase: 'draft', action: 'approve', by: 'alice' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.outputs.draft).toEqual({ tone: 'formal' });
    const history = await shared.baton.client.workflow.getHandle(id).fetchHistory();
    expect(history.events?.some((e) => e.markerRecordedEventAttributes)).toBe(true);
  });

  it('skip after the phase ran says in the record that its output was kept', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: gated() });
    await waitForGate(shared.baton, id, 'draft');
    await decide(shared.baton, id, { phase: 'draft', action: 'skip', by: 'alice' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.decisions[0]).toMatchObject({ action: 'skip', outputKept: true });
  });
});
