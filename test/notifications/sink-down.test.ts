/**
 * A sink that stays down: its deliveries give up after BATON_NOTIFY_WITHIN, the run completes
 * anyway, and `status.notificationFailures` names the event and why, without the URL's path or
 * query (a Slack URL holds its token) or the webhook's secret.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/client/cli/format';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { gated, sinksConfig } from './helpers';

// The worker reads both when it is created: each event may keep retrying for 3 s in all.
process.env.BATON_NOTIFY_WITHIN = '3s';
const SECRET = 'down-secret-0123456789abcdef';
process.env.BATON_TEST_DOWN_SECRET = SECRET;

const TOKEN = 'T0KEN-in-the-path';
const failing = await startWebhook({ respond: () => 500 });
// A port nobody listens on any more: every attempt is refused.
const gone = await startWebhook();
await gone.close();
afterAll(() => failing.close());

const shared = useWorker({
  prefix: 'notify-down',
  config: sinksConfig([
    { kind: 'slack', url: `${failing.base}/services/${TOKEN}?token=${TOKEN}`, templates: ['down-500'] },
    {
      kind: 'webhook',
      url: `${gone.base}/hook/${TOKEN}`,
      secretEnv: 'BATON_TEST_DOWN_SECRET',
      templates: ['down-refused'],
    },
  ]),
});
const agents = testAgents().map((a) => a.name);

/** Runs a gated run of the template to its end, approving while its deliveries fail. */
async function runWhileDown(template: string) {
  const id = uniqueId(template);
  const started = Date.now();
  const { firstRunId } = await startRun(shared.baton, { agents, id, definition: gated(template) });
  await waitForGate(shared.baton, id, 'spec');
  await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
  expect((await waitForResult(shared.baton, id)).state).toBe('completed');
  const status = await waitFor(
    () => queryStatus(shared.baton, id),
    (s) => (s.notificationFailures?.length ?? 0) === 2,
  );
  const failures = status.notificationFailures!;
  expect(failures.map((f) => f.event).sort()).toEqual(['gate.opened', 'run.completed']);
  for (const failure of failures) {
    const key = failure.event === 'gate.opened' ? 'spec#1' : 'end';
    expect(failure.eventId).toBe(`${id}/${firstRunId}/${failure.event}/${key}`);
    expect(failure.error).not.toContain(TOKEN);
    expect(failure.error).not.toContain(SECRET);
    expect(failure.error).not.toContain('/hook');
    expect(Number.isNaN(Date.parse(failure.at))).toBe(false);
  }
  // `baton status` shows them too.
  const shown = renderStatus(id, status);
  expect(shown).toContain('Notifications that could not be delivered');
  for (const failure of failures) expect(shown).toContain(`${failure.event}: ${failure.error}`);
  // Bounded: the run waited at most about the bound for its last delivery, not the default 5 minutes.
  expect(Date.now() - started).toBeLessThan(30_000);
  return { id, failures };
}

describe('a sink that stays down', () => {
  it(
    'answering 500 forever: retried for BATON_NOTIFY_WITHIN, then recorded in status; the run completes',
    { timeout: 60_000 },
    async () => {
      const { failures } = await runWhileDown('down-500');
      for (const failure of failures) {
        expect(failure.error).toBe(
          `notification not delivered to slack ${failing.base.slice('http://'.length)}: answered HTTP 500`,
        );
        // Retried within the bound (1 s backoff first): more than one attempt of each event. A Slack
        // body names its event id in the context line.
        const attempts = failing.requests.filter((r) => r.raw.includes(failure.eventId));
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts.every((r) => r.status === 500)).toBe(true);
      }
    },
  );

  it(
    'refusing connections: the failure names the host and the network error',
    { timeout: 60_000 },
    async () => {
      const { id, failures } = await runWhileDown('down-refused');
      for (const failure of failures) {
        expect(failure.error).toContain(`webhook ${gone.base.slice('http://'.length)}: ECONNREFUSED`);
      }
      // History has it too: each delivery activity failed, with the same words.
      const history = await shared.baton.client.workflow.getHandle(id).fetchHistory();
      const scheduled = (history.events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotification',
      );
      const failed = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes);
      expect(scheduled).toHaveLength(2);
      expect(failed).toHaveLength(2);
      for (const e of failed)
        expect(e.activityTaskFailedEventAttributes!.failure!.message).toContain('ECONNREFUSED');
    },
  );
});
