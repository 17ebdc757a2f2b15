/**
 * Bad input a worker only meets at delivery time, and a bad BATON_NOTIFY_WITHIN: each is a clear
 * failure naming the value and the fix, and none stops a run.
 */
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGovernanceActivities } from '../../src/activities/governance';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { startWebhook } from '../helpers/webhook';
import { gated, requestsOf, sinksConfig } from './helpers';

process.env.BATON_NOTIFY_WITHIN = '2s';
delete process.env.BATON_TEST_UNSET_SECRET;

const hook = await startWebhook();
afterAll(() => hook.close());
const dir = await mkdtemp(join(tmpdir(), 'baton-bad-sinks-'));
const failing = join(dir, 'fails.sh');
await writeFile(failing, '#!/bin/sh\necho "smtp: relay refused us" >&2\nexit 3\n');
await chmod(failing, 0o755);

const shared = useWorker({
  prefix: 'notify-bad',
  config: sinksConfig([
    { kind: 'command', command: [join(dir, 'no-such-program')], templates: ['missing-program'] },
    { kind: 'command', command: [failing], templates: ['failing-program'] },
    // The worker's start check would refuse this; a worker whose environment changed meets it here.
    { kind: 'webhook', url: hook.url, secretEnv: 'BATON_TEST_UNSET_SECRET', templates: ['unset-secret'] },
  ]),
});
const agents = testAgents().map((a) => a.name);

/** Runs a gated run of the template through its gate; resolves with its notification failures. */
async function failuresOf(template: string) {
  const id = uniqueId(template);
  await startRun(shared.baton, { agents, id, definition: gated(template) });
  await waitForGate(shared.baton, id, 'spec');
  await decide(shared.baton, id, { phase: 'spec', action: 'approve', by: 'ana' });
  expect((await waitForResult(shared.baton, id)).state).toBe('completed');
  const status = await waitFor(
    () => queryStatus(shared.baton, id),
    (s) => (s.notificationFailures?.length ?? 0) === 2,
  );
  return { id, failures: status.notificationFailures! };
}

/** The attempt each delivery of the run ended on (history records the last attempt's start). */
async function lastAttempts(id: string): Promise<number[]> {
  const events = (await shared.baton.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const deliveries = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotification')
      .map((e) => String(e.eventId)),
  );
  return events.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return started && deliveries.has(String(started.scheduledEventId)) ? [started.attempt ?? 0] : [];
  });
}

describe('bad sinks at delivery time', () => {
  it('a command that is not there: named, with the fix, not retried', async () => {
    const { id, failures } = await failuresOf('missing-program');
    expect(await lastAttempts(id)).toEqual([1, 1]);
    for (const f of failures)
      expect(f.error).toBe(
        `notification not delivered to command no-such-program: ${join(dir, 'no-such-program')} was not found; fix the sink's command (an absolute path, or a program on the worker's PATH)`,
      );
  });

  it("a command that exits non-zero: its exit code and stderr's tail, retried", async () => {
    const { id, failures } = await failuresOf('failing-program');
    expect((await lastAttempts(id)).every((n) => n >= 2)).toBe(true);
    for (const f of failures)
      expect(f.error).toBe(
        'notification not delivered to command fails.sh: exited with 3: smtp: relay refused us',
      );
  });

  it('a signed webhook whose secret is unset: nothing is sent unsigned', async () => {
    const { id, failures } = await failuresOf('unset-secret');
    expect(await lastAttempts(id)).toEqual([1, 1]);
    for (const f of failures)
      expect(f.error).toContain(
        'BATON_TEST_UNSET_SECRET is not set; export the webhook secret and restart the worker',
      );
    expect(requestsOf(hook.requests, id)).toEqual([]);
  });
});

describe('BATON_NOTIFY_WITHIN', () => {
  it.each(['soon', '0s', '48h'])('refuses %j, naming the variable, the value and the range', (value) => {
    expect(() => createGovernanceActivities({ env: { BATON_NOTIFY_WITHIN: value } })).toThrow(
      `BATON_NOTIFY_WITHIN="${value}" is not a duration between 1s and 24h; set it like BATON_NOTIFY_WITHIN=5m, or unset it for the default (5m)`,
    );
  });

  it('takes a duration in range', async () => {
    const { loadGovernance } = createGovernanceActivities({ env: { BATON_NOTIFY_WITHIN: '90s' } });
    expect((await loadGovernance()).notifyWithinMs).toBe(90_000);
  });
});
