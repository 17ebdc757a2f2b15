/**
 * A worker that dies mid-delivery: the receiver has the event but the worker never saw the answer.
 * The delivery's heartbeat times out (10 s), a new worker retries it, and the receiver gets the
 * same X-Baton-Event-Id again: deduping on it, the run's events arrive exactly once.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_ID_HEADER } from '../../src/activities/notifications/webhook';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { NotificationEventSchema, type NotificationEvent } from '../../src/shared/notifications';
import { testAgents } from '../helpers/agents';
import { uniqueId, waitFor, waitForGate } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';
import { startWebhook } from '../helpers/webhook';
import { gated, requestsOf } from './helpers';

const hook = await startWebhook();
afterAll(() => hook.close());
const workers = useWorkerProcesses();
const agents = testAgents().map((a) => a.name);

/** What a receiver keeps after deduping on the event id header: the first body per id. */
function deduped(requests: typeof hook.requests): NotificationEvent[] {
  const seen = new Map<string, NotificationEvent>();
  for (const r of requests) {
    const id = r.headers[EVENT_ID_HEADER.toLowerCase()] as string;
    if (r.status !== undefined && r.status < 300 && !seen.has(id))
      seen.set(id, NotificationEventSchema.parse(r.body));
  }
  return [...seen.values()];
}

describe('a worker crash mid-delivery', () => {
  it(
    'resends the same event id from the next worker; deduped, each event arrives once',
    { timeout: 120_000 },
    async () => {
      const { env } = await workers.start('notify-crash-cfg');
      const config = join(env.workspaceRoot, 'baton.config.json');
      await writeFile(config, JSON.stringify({ notifications: [{ kind: 'webhook', url: hook.url }] }));
      const { baton, spawnOne } = await workers.start('notify-crash', { BATON_CONFIG: config });
      const first = await spawnOne();

      // The receiver takes the first request and holds it open: the worker waits for the answer.
      let release: (status: number) => void = () => undefined;
      const held = new Promise<number>((resolve) => (release = resolve));
      hook.answer((_request, index) => (index === 0 ? held : 204));

      const id = uniqueId('crash');
      await startRun(baton, { agents, id, definition: gated('crash-tpl') });
      await waitFor(
        async () => requestsOf(hook.requests, id),
        (list) => list.length === 1,
      );
      await killHard(first);
      // The receiver took the event (it is in its store); the dead worker never learnt it.
      release(204);

      await spawnOne();
      const resent = await waitFor(
        async () => requestsOf(hook.requests, id),
        (list) => list.length === 2 && list[1]!.status !== undefined,
        60_000,
      );
      const [before, after] = resent.map((r) => r.headers[EVENT_ID_HEADER.toLowerCase()]);
      expect(after).toBe(before);
      expect(resent.map((r) => r.raw)).toEqual([resent[0]!.raw, resent[0]!.raw]);
      expect(resent.map((r) => r.status)).toEqual([204, 204]);

      await waitForGate(baton, id, 'spec');
      await decide(baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
      expect((await waitForResult(baton, id)).state).toBe('completed');
      const all = requestsOf(hook.requests, id);
      // Two copies of gate.opened reached the receiver; deduped on their id, each event is there once.
      expect(all.map((r) => (r.body as NotificationEvent).event)).toEqual([
        'gate.opened',
        'gate.opened',
        'run.completed',
      ]);
      expect(deduped(all).map((e) => e.event)).toEqual(['gate.opened', 'run.completed']);
      expect(deduped(all)[0]!.eventId).toBe(before);
      await baton.close();
    },
  );
});
