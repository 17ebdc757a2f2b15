import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/activities/agents/agent';
import { emitSelfAgent, messaging, noteAgent } from '../../src/dev/record-scenarios';
import { renderStatus } from '../../src/client/cli/format';
import { InvalidInputError, RunEndedError, RunNotFoundError } from '../../src/client/errors';
import { buildMessage, sendMessage } from '../../src/client/messages';
import { decide, getStatus, startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';

/** Emits what its input says: one message to another run. */
const emitterAgent = defineAgent({
  name: 'emitter',
  description: 'emits one message to another run',
  input: z.object({ to: z.string(), channel: z.string(), payload: z.unknown() }),
  output: z.object({ emit: z.array(z.unknown()) }).passthrough(),
  async run({ to, channel, payload }) {
    return { sent: true, emit: [{ to, channel, payload }] };
  },
});

const agentList = [...testAgents(), emitterAgent, emitSelfAgent, noteAgent];
const agents = agentList.map((a) => a.name);
const shared = useWorker({ prefix: 'messaging', agents: agentList });

const start = async (phases: DefinitionInput['phases'], approvalMode: 'manual' | 'auto' = 'manual') =>
  (await startRun(shared.baton, { agents, definition: definition(phases), approvalMode })).workflowId;
const approve = (id: string, phase: string) =>
  decide(shared.baton, id, { phase, action: 'approve', by: 'alice' }, { via: 'update' });

describe('messages between runs', () => {
  it('a message sent before its phase starts waits in the mailbox; the same id twice is delivered once', async () => {
    const id = await start([
      { id: 'first', agent: 'echo', approval: true },
      { id: 'inbox', needs: ['first'], waitFor: { channel: 'review.done', timeout: '1m' } },
      {
        id: 'use',
        agent: 'echo',
        needs: ['inbox'],
        input: { verdict: '${phases.inbox.output.payload.verdict}' },
      },
    ]);
    await waitForGate(shared.baton, id, 'first');
    const message = { run: id, channel: 'review.done', payload: { verdict: 'ok' }, id: 'm-1' };
    expect(await sendMessage(shared.baton, message)).toMatchObject({ id: 'm-1', run: id });
    await sendMessage(shared.baton, { ...message, payload: { verdict: 'a second copy' } });
    const queued = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.messages?.[0]?.duplicates === 1,
    );
    expect(queued.messages).toEqual([
      expect.objectContaining({ id: 'm-1', channel: 'review.done', duplicates: 1 }),
    ]);
    expect(queued.messages?.[0]?.consumedBy).toBeUndefined();

    await approve(id, 'first');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.state).toBe('completed');
    expect(summary.outputs.inbox).toMatchObject({
      id: 'm-1',
      channel: 'review.done',
      payload: { verdict: 'ok' },
    });
    expect(summary.outputs.use).toMatchObject({ echoed: { verdict: 'ok' } });
    expect(summary.messages).toEqual([
      expect.objectContaining({ id: 'm-1', duplicates: 1, consumedBy: 'inbox' }),
    ]);
    expect(summary.phases.find((p) => p.id === 'inbox')).toMatchObject({ agent: 'wait', state: 'done' });
  });

  it("an agent's emit reaches another run's waitFor phase, acknowledged on both sides", async () => {
    const receiver = await start([
      { id: 'listen', agent: 'echo', waitFor: { channel: 'results', timeout: '2m' } },
    ]);
    const waiting = await waitFor(
      () => queryStatus(shared.baton, receiver),
      (s) => s.phases[0]?.waitingFor !== undefined,
    );
    expect(waiting.phases[0]).toMatchObject({ state: 'running', waitingFor: { channel: 'results' } });
    expect(waiting.phases[0]?.waitingFor?.until).toBeDefined();
    expect(renderStatus(receiver, waiting)).toContain('Waiting: listen for a message on channel "results"');

    const sender = await start([
      {
        id: 'report',
        agent: 'emitter',
        input: { to: receiver, channel: 'results', payload: { findings: 3 } },
        approval: true,
      },
    ]);
    const messageId = `${sender}:report:1:0`;
    const result = await waitForResult(shared.baton, receiver);
    expect(result.outputs.listen).toMatchObject({
      echoed: {
        message: { findings: 3 },
        messageInfo: { id: messageId, channel: 'results', from: { workflowId: sender, phase: 'report' } },
      },
    });
    expect(result.messages).toEqual([
      expect.objectContaining({
        id: messageId,
        from: { workflowId: sender, phase: 'report' },
        consumedBy: 'listen',
        ack: 'sent',
        duplicates: 0,
      }),
    ]);
    // The sender (held open by its gate) recorded the delivery and the receiver's ack.
    const sent = await waitFor(
      () => queryStatus(shared.baton, sender),
      (s) => s.emitted?.[0]?.ack !== undefined,
    );
    expect(sent.emitted).toEqual([
      expect.objectContaining({
        id: messageId,
        to: receiver,
        channel: 'results',
        phase: 'report',
        deliveredAt: expect.any(String),
        ack: { at: expect.any(String), by: receiver },
      }),
    ]);
    expect(renderStatus(sender, sent)).toMatch(/report → .* results .*: acknowledged/);
    expect(renderStatus(receiver, result)).toMatch(/results .* from .*\/report: taken by listen/);
    await approve(sender, 'report');
    expect((await waitForResult(shared.baton, sender)).state).toBe('completed');
  });

  it('the recorded scenario: an emit to the run itself, taken by its wait phase', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: messaging });
    await waitForGate(shared.baton, id, 'use');
    await approve(id, 'use');
    const summary = await waitForResult(shared.baton, id);
    expect(summary.outputs.inbox).toMatchObject({ id: `${id}:announce:1:0`, payload: { n: 1 } });
    expect(summary.messages?.[0]).toMatchObject({ consumedBy: 'inbox', ack: 'sent' });
    expect(summary.emitted?.[0]).toMatchObject({ deliveredAt: expect.any(String), ack: { by: id } });
  });

  it('an emit to a run that does not exist is recorded as undelivered; the phase goes on', async () => {
    const sender = await start(
      [{ id: 'report', agent: 'emitter', input: { to: uniqueId('nobody'), channel: 'x', payload: 1 } }],
      'auto',
    );
    const summary = await waitForResult(shared.baton, sender);
    expect(summary.state).toBe('completed');
    expect(summary.emitted?.[0]?.error).toMatch(/does not exist or has ended/);
  });

  it('a waitFor timeout fails the phase, naming the channel and the timeout', async () => {
    const id = await start([{ id: 'inbox', waitFor: { channel: 'never-sent', timeout: '1s' } }]);
    await expect(waitForResult(shared.baton, id)).rejects.toThrow(/channel "never-sent" within 1s/);
    const status = await getStatus(shared.baton, id);
    expect(status.phases[0]).toMatchObject({
      state: 'failed',
      error: { type: 'Baton.WaitTimeout', message: expect.stringMatching(/never-sent.*1s/) },
    });
    expect(status.phases[0]?.waitingFor).toBeUndefined();
  });

  it('refuses bad messages clearly, before and at the run', async () => {
    expect(() => buildMessage({ run: 'r', channel: 'ok', json: '{not json' })).toThrow(
      /payload is not valid JSON/,
    );
    expect(() => buildMessage({ run: 'r', channel: '9 lives', json: '1' })).toThrow(
      /channel "9 lives".*starts with a letter/,
    );
    expect(() => buildMessage({ run: 'r', channel: 'ok', json: JSON.stringify('x'.repeat(70_000)) })).toThrow(
      /payload is .* KB as JSON; at most 64 KB/,
    );
    expect(() => buildMessage({ run: 'r', channel: 'ok', json: '1', id: 'has space' })).toThrow(
      InvalidInputError,
    );
    await expect(
      sendMessage(shared.baton, { run: uniqueId('no-such-run'), channel: 'c', json: '1' }),
    ).rejects.toThrow(RunNotFoundError);
    const done = await start([{ id: 'only', agent: 'echo' }], 'auto');
    await waitForResult(shared.baton, done);
    await expect(sendMessage(shared.baton, { run: done, channel: 'c', json: '1' })).rejects.toThrow(
      /has ended \(completed at .*\); there is nobody left to receive a message/,
    );
    await expect(sendMessage(shared.baton, { run: done, channel: 'c', json: '1' })).rejects.toThrow(
      RunEndedError,
    );

    // What another client sends unchecked is dropped with a record, never delivered.
    const id = await start([{ id: 'inbox', waitFor: { channel: 'c', timeout: '1m' } }]);
    const handle = shared.baton.client.workflow.getHandle(id);
    await handle.signal('message', {
      id: 'big',
      channel: 'c',
      payload: 'x'.repeat(70_000),
      sentAt: new Date().toISOString(),
    });
    await handle.signal('message', { channel: 'c' });
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.messagesDropped?.length === 2,
    );
    expect(status.messagesDropped?.[0]).toMatchObject({
      id: 'big',
      channel: 'c',
      reason: expect.stringMatching(/at most 64 KB/),
    });
    expect(status.messagesDropped?.[1]?.reason).toMatch(/not a message: id is required/);
    expect(status.messages).toBeUndefined();
    await sendMessage(shared.baton, { run: id, channel: 'c', json: '"fine"' });
    expect((await waitForResult(shared.baton, id)).outputs.inbox).toMatchObject({ payload: 'fine' });
  });
});

describe('messages and a stopped worker', () => {
  const processes = useWorkerProcesses();

  it('a message sent while the receiver has no worker is delivered once one is back', async () => {
    const { baton, spawnOne } = await processes.start('messaging-down');
    try {
      const worker = await spawnOne();
      const { workflowId: id } = await startRun(baton, {
        definition: definition([{ id: 'inbox', waitFor: { channel: 'deploy', timeout: '5m' } }]),
      });
      await waitFor(
        () => queryStatus(baton, id),
        (s) => s.phases[0]?.waitingFor?.channel === 'deploy',
      );
      await killHard(worker);
      // Temporal stores the signal; no worker is needed to send it.
      expect((await sendMessage(baton, { run: id, channel: 'deploy', json: '{"version": 7}' })).channel).toBe(
        'deploy',
      );
      await spawnOne();
      const summary = await waitForResult(baton, id);
      expect(summary.state).toBe('completed');
      expect(summary.outputs.inbox).toMatchObject({ channel: 'deploy', payload: { version: 7 } });
      expect(summary.messages?.[0]).toMatchObject({ consumedBy: 'inbox', duplicates: 0 });
    } finally {
      await baton.close();
    }
  });
});
