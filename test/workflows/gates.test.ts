import { describe, expect, it } from 'vitest';
import { DecisionRejectedError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import type { DecisionAction } from '../../src/shared/messages';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, useWorker, waitFor, waitForGate } from '../helpers/env';

const agents = testAgents().map((a) => a.name);
const shared = useWorker({ prefix: 'gates' });

const gated = (approval: object | boolean = true) =>
  definition([
    { id: 'draft', agent: 'echo', input: { tone: 'casual', length: 3 }, approval },
    { id: 'next', agent: 'echo', needs: ['draft'], input: { got: '${phases.draft.output.echoed.tone}' } },
  ]);

async function startGated(approval: object | boolean = true, approvalMode: 'manual' | 'auto' = 'manual') {
  const { workflowId } = await startRun(shared.baton, { agents, definition: gated(approval), approvalMode });
  return workflowId;
}

describe.each(['signal', 'update'] as const)('gate decisions by %s', (via) => {
  const send = (id: string, action: DecisionAction, extra: object = {}) =>
    decide(
      shared.baton,
      id,
      { phase: 'draft', action, by: 'alice', comment: `${action} via ${via}`, ...extra },
      { via },
    );

  it('approve: the run continues', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    await send(id, 'approve');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.phases.map((p) => p.state)).toEqual(['done', 'done']);
    expect(summary.decisions).toEqual([
      expect.objectContaining({
        phase: 'draft',
        action: 'approve',
        by: 'alice',
        comment: `approve via ${via}`,
        via,
      }),
    ]);
    expect(summary.outputs.next).toEqual({ echoed: { got: 'casual' }, phase: 'next' });
  });

  it('modify: re-runs the phase with the changes merged, then gates again', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    await send(id, 'modify', { changes: { tone: 'formal' } });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 2 && s.gates.some((g) => g.phase === 'draft'),
    );
    await send(id, 'approve');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.phases[0]).toMatchObject({ state: 'done', runs: 2 });
    expect(summary.outputs.draft).toEqual({ echoed: { tone: 'formal', length: 3 }, phase: 'draft' });
    expect(summary.outputs.next).toEqual({ echoed: { got: 'formal' }, phase: 'next' });
    expect(summary.decisions.map((d) => d.action)).toEqual(['modify', 'approve']);
    expect(summary.decisions[0]!.changes).toEqual({ tone: 'formal' });
  });

  it('retry: re-runs the phase as it is, then gates again', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    await send(id, 'retry');
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 2 && s.gates.length === 1,
    );
    await send(id, 'approve');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.phases[0]).toMatchObject({ state: 'done', runs: 2, attempts: 2 });
    expect(summary.outputs.draft).toEqual({ echoed: { tone: 'casual', length: 3 }, phase: 'draft' });
  });

  it('skip: the phase is skipped and its dependents still run', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    await send(id, 'skip');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.phases.map((p) => p.state)).toEqual(['skipped', 'done']);
    expect(summary.progress).toEqual({ done: 2, total: 2, percent: 100 });
  });

  it('reject: the run ends rejected and nothing after the gate starts', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    await send(id, 'reject');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('rejected');
    expect(summary.reason).toBe(`Rejected at "draft" by alice: reject via ${via}`);
    expect(summary.phases[0]).toMatchObject({ state: 'rejected' });
    expect(summary.phases[1]).toMatchObject({ state: 'cancelled', runs: 0 });
  });
});

describe('bad decisions', () => {
  it('the update validator refuses them with the reason, and the run goes on', async () => {
    const id = await startGated();
    await waitForGate(shared.baton, id, 'draft');
    const refuse = (decision: object) =>
      decide(shared.baton, id, decision as never, { via: 'update' }).then(
        () => 'accepted',
        (e: unknown) => e,
      );

    const noGate = await refuse({ phase: 'next', action: 'approve', by: 'bob' });
    expect(noGate).toBeInstanceOf(DecisionRejectedError);
    expect((noGate as Error).message).toContain(
      'phase "next" has no open gate (it is pending); open gates: draft',
    );

    const unknownPhase = await refuse({ phase: 'deploy', action: 'approve', by: 'bob' });
    expect((unknownPhase as Error).message).toContain(
      'phase "deploy" is not in this run; phases are: draft, next',
    );

    const badAction = await refuse({ phase: 'draft', action: 'ship', by: 'bob' });
    expect((badAction as Error).message).toContain(
      'action "ship" is not an action; use one of approve, modify, retry, skip, reject',
    );

    const noBy = await refuse({ phase: 'draft', action: 'approve' });
    expect((noBy as Error).message).toContain('by is required');

    const emptyModify = await refuse({ phase: 'draft', action: 'modify', by: 'bob' });
    expect((emptyModify as Error).message).toContain('modify needs changes');

    const status = await queryStatus(shared.baton, id);
    expect(status.decisions).toEqual([]);
    expect(status.gates.map((g) => g.phase)).toEqual(['draft']);
    await decide(shared.baton, id, { phase: 'draft', action: 'approve', by: 'bob' }, { via: 'update' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
  });

  it('a bad signal is recorded as ignored with its reason and never breaks the run', async () => {
    const id = await startGated();
    const handle = shared.baton.client.workflow.getHandle(id);
    await waitForGate(shared.baton, id, 'draft');
    await handle.signal('approval', { phase: 'draft', action: 'ship', by: 'mallory' });
    await handle.signal('approval', { phase: 'draft', action: 'approve' });
    await handle.signal('approval', { phase: 'next', action: 'approve', by: 'mallory' });
    await handle.signal('approval', 'not even an object');
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 4,
    );
    expect(status.ignoredSignals.map((s) => s.reason)).toEqual([
      expect.stringContaining('action "ship" is not an action'),
      expect.stringContaining('by is required'),
      expect.stringContaining('phase "next" has no open gate'),
      expect.stringContaining('expected object'),
    ]);
    expect(status.ignoredSignals[0]!.payload).toEqual({ phase: 'draft', action: 'ship', by: 'mallory' });
    expect(status.state).toBe('waiting');
    await handle.signal('approval', { phase: 'draft', action: 'approve', by: 'carol' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([expect.objectContaining({ by: 'carol', via: 'signal' })]);
    expect(summary.ignoredSignals).toHaveLength(4);
  });
});

describe('gate timeouts and auto mode', () => {
  it('onTimeout approve: the gate approves itself when nobody decides', async () => {
    const id = await startGated({ timeout: '1s', onTimeout: 'approve' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.decisions).toEqual([
      expect.objectContaining({ phase: 'draft', action: 'approve', by: 'baton:timeout', via: 'timeout' }),
    ]);
  });

  it('onTimeout reject: the run ends rejected when nobody decides', async () => {
    const id = await startGated({ timeout: '1s', onTimeout: 'reject' });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('rejected');
    expect(summary.decisions).toEqual([expect.objectContaining({ action: 'reject', via: 'timeout' })]);
    expect(summary.phases[1]!.state).toBe('cancelled');
  });

  it('auto mode approves every gate and records that it did', async () => {
    const id = await startGated(true, 'auto');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.approvalMode).toBe('auto');
    expect(summary.decisions).toEqual([
      expect.objectContaining({ phase: 'draft', action: 'approve', by: 'baton:auto', via: 'auto' }),
    ]);
  });
});
