/**
 * A receiver gets exactly the events of a run, no more: the gate opening and the run's end, each
 * reminder and the escalation, a budget gate (and not also `gate.opened`), a failed or rejected
 * run. Every body parses as NotificationEventSchema; its id is the one a receiver dedupes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { EVENT_HEADER, EVENT_ID_HEADER } from '../../src/activities/notifications/webhook';
import type { NotificationEvent } from '../../src/shared/notifications';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { eventsOf, gated, requestsOf, sinksConfig } from './helpers';

const hook = await startWebhook();
afterAll(() => hook.close());
const shared = useWorker({
  prefix: 'notify-events',
  config: sinksConfig([{ kind: 'webhook', url: hook.url }]),
});
const agents = testAgents().map((a) => a.name);

/** The run's events once it has ended: the workflow closes only after its deliveries settled. */
async function endedEvents(id: string): Promise<NotificationEvent[]> {
  await waitForResult(shared.baton, id).catch(() => undefined);
  const events = eventsOf(hook.received, id);
  // Nothing was retried or sent twice: one request per event, each taken.
  expect(requestsOf(hook.requests, id)).toHaveLength(events.length);
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  for (const [i, request] of requestsOf(hook.requests, id).entries()) {
    expect(request.headers[EVENT_HEADER.toLowerCase()]).toBe(events[i]!.event);
    expect(request.headers[EVENT_ID_HEADER.toLowerCase()]).toBe(events[i]!.eventId);
    expect(Number.isNaN(Date.parse(events[i]!.at))).toBe(false);
  }
  return events;
}

describe('the events of a run', () => {
  it('gate.opened when the gate opens, run.completed after it is approved, and nothing else', async () => {
    const id = uniqueId('events-approve');
    const { firstRunId } = await startRun(shared.baton, { agents, id, definition: gated('events-tpl') });
    await waitForGate(shared.baton, id, 'spec');
    const [opened] = await waitFor(
      async () => eventsOf(hook.received, id),
      (list) => list.length === 1,
    );
    expect(opened).toMatchObject({
      event: 'gate.opened',
      eventId: `${id}/${firstRunId}/gate.opened/spec#1`,
      workflowId: id,
      runId: firstRunId,
      template: 'events-tpl',
      message: `Review the spec (spec#1) of run ${id} waits for a decision`,
      gate: { id: 'spec#1', phase: 'spec', kind: 'approval', title: 'Review the spec' },
    });
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
    const events = await endedEvents(id);
    expect(events.map((e) => e.event)).toEqual(['gate.opened', 'run.completed']);
    expect(events[1]).toMatchObject({
      eventId: `${id}/${firstRunId}/run.completed/end`,
      message: `Run ${id} (events-tpl) completed`,
      run: { state: 'completed', progress: { done: 1, total: 1, percent: 100 } },
    });
    expect(events[1]!.gate).toBeUndefined();
  });

  it('gate.reminder for each reminder, numbered, and gate.escalated once, to the wider set', async () => {
    const id = uniqueId('events-remind');
    const { firstRunId } = await startRun(shared.baton, {
      agents,
      id,
      definition: gated('events-tpl', {
        approvers: { users: ['alice'] },
        remind: '1s',
        escalate: { after: '2s', to: { users: ['carol'] } },
      }),
    });
    await waitFor(
      async () => eventsOf(hook.received, id),
      (list) =>
        list.some((e) => e.event === 'gate.escalated') && list.some((e) => e.event === 'gate.reminder'),
    );
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'carol' });
    const events = await endedEvents(id);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('gate.opened');
    expect(names.at(-1)).toBe('run.completed');
    expect(names.filter((n) => n === 'gate.escalated')).toHaveLength(1);
    const reminders = events.filter((e) => e.event === 'gate.reminder');
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    expect(names).toHaveLength(reminders.length + 3);
    reminders.forEach((r, i) => {
      expect(r).toMatchObject({
        reminder: i + 1,
        eventId: `${id}/${firstRunId}/gate.reminder/spec#1/${i + 1}`,
        gate: { id: 'spec#1', approvers: ['alice'] },
      });
    });
    expect(events.find((e) => e.event === 'gate.escalated')).toMatchObject({
      eventId: `${id}/${firstRunId}/gate.escalated/spec#1`,
      to: ['carol'],
    });
  });

  it('budget.gate (not also gate.opened) when a phase would spend over the budget', async () => {
    const id = uniqueId('events-budget');
    await startRun(shared.baton, {
      agents,
      id,
      approvalMode: 'auto',
      definition: definition(
        [
          { id: 'a', agent: 'spend', input: { tokens: 80, costUsd: 0.02 } },
          { id: 'b', agent: 'spend', needs: ['a'], input: { tokens: 50, costUsd: 0.01 } },
          { id: 'c', agent: 'spend', needs: ['b'], input: { tokens: 10 } },
        ],
        { name: 'budget-tpl', budget: { tokens: 100 } },
      ),
    });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.gates.some((g) => g.kind === 'budget'),
    );
    const [gate] = await waitFor(
      async () => eventsOf(hook.received, id),
      (list) => list.length === 1,
    );
    expect(gate).toMatchObject({
      event: 'budget.gate',
      template: 'budget-tpl',
      gate: { phase: 'c', kind: 'budget', context: 'run budget of 100 tokens: 130 spent' },
    });
    await decide(shared.baton, id, {
      phase: 'c',
      action: 'modify',
      by: 'pat',
      changes: { budget: { tokens: 1000 } },
    });
    const events = await endedEvents(id);
    expect(events.map((e) => e.event)).toEqual(['budget.gate', 'run.completed']);
  });

  it('run.failed for a run that failed, and for one rejected at its gate', async () => {
    const failed = uniqueId('events-failed');
    await startRun(shared.baton, {
      agents,
      id: failed,
      definition: definition([{ id: 'bad', agent: 'fatal', input: {} }], { name: 'failing-tpl' }),
    });
    const failedEvents = await endedEvents(failed);
    expect(failedEvents.map((e) => e.event)).toEqual(['run.failed']);
    expect(failedEvents[0]).toMatchObject({
      template: 'failing-tpl',
      run: { state: 'failed', reason: expect.stringContaining('the spec is contradictory') },
    });
    expect(failedEvents[0]!.message).toContain(`Run ${failed} (failing-tpl) failed`);

    const rejected = uniqueId('events-rejected');
    await startRun(shared.baton, { agents, id: rejected, definition: gated('events-tpl') });
    await waitForGate(shared.baton, rejected, 'spec');
    await decide(shared.baton, rejected, { phase: 'spec', action: 'reject', by: 'ana' });
    const rejectedEvents = await endedEvents(rejected);
    expect(rejectedEvents.map((e) => e.event)).toEqual(['gate.opened', 'run.failed']);
    expect(rejectedEvents[1]!.run).toMatchObject({ state: 'rejected' });
  });
});
