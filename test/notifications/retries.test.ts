/**
 * Delivery is retried with backoff and never blocks the run: a receiver answering 500 for a while
 * gets the event once it takes it (exactly one accepted body per event), and the run goes on
 * meanwhile. A 4xx other than 408/429 is the receiver's "no": not retried.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_ID_HEADER } from '../../src/activities/notifications/webhook';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { eventsOf, gated, requestsOf, sinksConfig } from './helpers';

let healthy = false;
const flaky = await startWebhook({ respond: () => (healthy ? 204 : 500) });
const refusing = await startWebhook({ respond: () => 404 });
const healthy2 = await startWebhook();
let downFor = 2;
const downAWhile = await startWebhook({ respond: () => (downFor-- > 0 ? 503 : 204) });
afterAll(() => Promise.all([flaky, refusing, healthy2, downAWhile].map((h) => h.close())));
const shared = useWorker({
  prefix: 'notify-retries',
  config: sinksConfig([
    { kind: 'webhook', url: flaky.url, templates: ['flaky-tpl'] },
    { kind: 'webhook', url: refusing.url, templates: ['refused-tpl'] },
    { kind: 'webhook', url: healthy2.url, templates: ['mixed-tpl'] },
    { kind: 'webhook', url: downAWhile.url, templates: ['mixed-tpl'] },
  ]),
});
const agents = testAgents().map((a) => a.name);

describe('delivery retries', () => {
  it(
    'retries a receiver that answers 500 until it takes the event, while the run goes on',
    { timeout: 90_000 },
    async () => {
      const id = uniqueId('retries-500');
      await startRun(shared.baton, { agents, id, definition: gated('flaky-tpl') });
      await waitForGate(shared.baton, id, 'spec');
      // Asked again with backoff (1 s, then 2 s): three refused attempts of the same event.
      const refused = await waitFor(
        async () => requestsOf(flaky.requests, id),
        (list) => list.length >= 3,
      );
      expect(new Set(refused.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()])).size).toBe(1);

      // Not blocked: the gate is decided and the run completes while the receiver still refuses.
      await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
      const done = await waitFor(
        () => queryStatus(shared.baton, id),
        (s) => s.state === 'completed',
      );
      expect(done.phases.map((p) => p.state)).toEqual(['done']);
      // The workflow itself stays open only for the deliveries in flight (an activity cannot outlive it).
      expect((await shared.baton.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
      expect(eventsOf(flaky.received, id)).toEqual([]);
      expect(requestsOf(flaky.requests, id).every((r) => r.status === 500)).toBe(true);

      healthy = true;
      expect((await waitForResult(shared.baton, id)).state).toBe('completed');
      const taken = eventsOf(flaky.received, id);
      // Retried events may arrive out of order (each has its own backoff): `at` orders them.
      expect(taken.map((e) => e.event).sort()).toEqual(['gate.opened', 'run.completed']);
      const byTime = [...taken].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      expect(byTime.map((e) => e.event)).toEqual(['gate.opened', 'run.completed']);
      // Exactly one accepted body per event id, however many attempts it took.
      const accepted = requestsOf(flaky.requests, id).filter((r) => r.status === 204);
      expect(accepted.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()])).toEqual(
        taken.map((e) => e.eventId),
      );
      expect(requestsOf(flaky.requests, id).length).toBeGreaterThan(accepted.length + 2);
      expect((await queryStatus(shared.baton, id)).notificationFailures).toBeUndefined();
    },
  );

  it('does not retry a 404: one request per event, the failure in status, and the run completes', async () => {
    const id = uniqueId('retries-404');
    await startRun(shared.baton, { agents, id, definition: gated('refused-tpl') });
    const failed = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => (s.notificationFailures?.length ?? 0) === 1,
    );
    expect(failed.notificationFailures![0]).toMatchObject({
      event: 'gate.opened',
      eventId: expect.stringContaining(`${id}/`),
      error: expect.stringContaining(`${new URL(refusing.url).host}: answered HTTP 404; not retried`),
    });
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
    const requests = requestsOf(refusing.requests, id);
    expect(requests.map((r) => [(r.body as { event: string }).event, r.status])).toEqual([
      ['gate.opened', 404],
      ['run.completed', 404],
    ]);
    const final = await queryStatus(shared.baton, id);
    expect(final.notificationFailures!.map((f) => f.event)).toEqual(['gate.opened', 'run.completed']);
  });

  it('retries only the sink that failed: a healthy sink beside it gets the event once', async () => {
    const id = uniqueId('retries-mixed');
    await startRun(shared.baton, { agents, id, definition: gated('mixed-tpl') });
    await waitForGate(shared.baton, id, 'spec');
    await waitFor(
      async () => eventsOf(downAWhile.received, id),
      (list) => list.length === 1,
    );
    await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
    expect(requestsOf(downAWhile.requests, id).map((r) => r.status)).toEqual([503, 503, 204, 204]);
    // Each attempt heartbeats the sinks that took the event; a retry skips them.
    expect(requestsOf(healthy2.requests, id).map((r) => (r.body as { event: string }).event)).toEqual([
      'gate.opened',
      'run.completed',
    ]);
  });
});
