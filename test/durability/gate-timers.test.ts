import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { startWebhook } from '../helpers/webhook';
import { definition, queryStatus, waitFor, waitForGate } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';

const hook = await startWebhook();
const notifications = hook.received;
afterAll(() => hook.close());

const agents = testAgents().map((a) => a.name);
const workers = useWorkerProcesses();

describe('gate reminders, escalation and timeout are durable timers', () => {
  it(
    'fire for a gate whose worker was SIGKILLed, once a worker is back; onTimeout escalate lets the wider set decide',
    { timeout: 180_000 },
    async () => {
      const { env } = await workers.start('gate-timers-cfg');
      const config = join(env.workspaceRoot, 'baton.config.json');
      await writeFile(
        config,
        JSON.stringify({
          roles: { lead: ['alice'], director: ['carol'] },
          notify: { webhook: hook.url },
        }),
      );
      const { baton, spawnOne } = await workers.start('gate-timers', { BATON_CONFIG: config });
      const first = await spawnOne();
      const { workflowId } = await startRun(baton, {
        agents,
        definition: definition([
          {
            id: 'spec',
            agent: 'echo',
            approval: {
              approvers: { roles: ['lead'] },
              remind: '1s',
              escalate: { to: { roles: ['director'] } },
              timeout: '4s',
              onTimeout: 'escalate',
            },
          },
        ]),
      });
      await waitForGate(baton, workflowId, 'spec');
      const reminded = await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => (s.gates[0]?.reminders ?? 0) >= 1,
      );
      expect(reminded.gates[0]!.escalatedAt).toBeUndefined();

      // No worker while the timeout passes: the timer is the server's, not the worker's.
      await killHard(first);
      const killedAt = Date.now();
      await new Promise((r) => setTimeout(r, 4500));
      await spawnOne();
      const escalated = await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.gates[0]?.escalatedAt !== undefined,
      );
      expect(Date.parse(escalated.gates[0]!.escalatedAt!)).toBeGreaterThan(killedAt);
      expect(escalated.gates[0]).toMatchObject({
        approvers: { roles: ['lead', 'director'] },
        approverNames: ['alice', 'carol'],
      });
      // It waits on after the timeout (onTimeout escalate): reminders go on, nobody decided for it.
      expect(escalated.state).toBe('waiting');
      const mine = () => notifications.filter((n) => n.workflowId === workflowId);
      await waitFor(
        async () => mine(),
        (list) =>
          list.some((n) => n.event === 'gate.escalated') && list.some((n) => n.event === 'gate.reminder'),
      );
      expect(mine().find((n) => n.event === 'gate.escalated')).toMatchObject({
        to: ['carol'],
        gate: { id: 'spec#1' },
      });
      expect(mine().filter((n) => n.event === 'gate.reminder').length).toBeGreaterThanOrEqual(1);
      expect(mine().find((n) => n.event === 'gate.reminder')).toMatchObject({ to: ['alice'] });

      await decide(baton, workflowId, { phase: 'spec', action: 'approve', by: 'carol' });
      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('completed');
      expect(summary.decisions[0]).toMatchObject({ by: 'carol', role: 'director' });

      // Durable timers in history: each wake-up of the gate is a server timer.
      const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
      expect(timers.length).toBeGreaterThanOrEqual(2);
    },
  );
});
