import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Payload } from '@temporalio/common';
import { connect, decide, startRun, waitForResult, type Baton } from '../../src/client/runs';
import { PayloadDecryptError } from '../../src/codec';
import { testAgents } from '../helpers/agents';
import { createTestWorker, definition, uniqueId, waitForGate } from '../helpers/env';
import {
  cliText,
  codecOf,
  dataPayloads,
  historyBytes,
  metaText,
  newKey,
  payloadsIn,
  startCodecServer,
  temporalCli,
  toJsonPayloads,
} from './codec-helpers';

const agents = testAgents().map((a) => a.name);
const K1 = newKey('k1');
const K2 = newKey('k2');
const TOKEN = 'codec-test-token';
const MARKER = `SECRET-${process.pid}-${Date.now().toString(36)}`;

/** A gated run whose input, params, agent outputs and decision all carry the marker. */
const secretRun = () =>
  definition(
    [
      {
        id: 'draft',
        agent: 'echo',
        input: { prompt: `${MARKER}-prompt`, topic: '${params.topic}' },
        approval: true,
      },
      { id: 'next', agent: 'echo', needs: ['draft'], input: { got: '${phases.draft.output.echoed.prompt}' } },
    ],
    { description: `${MARKER}-description`, params: { topic: { default: 'none' } } },
  );

const address = () => inject('temporalAddress');
let server: Awaited<ReturnType<typeof startCodecServer>>;
let plain: Baton;

beforeAll(async () => {
  server = await startCodecServer(`${K2},${K1}`, TOKEN);
  plain = await connect({ address: address(), payloadCodecs: [] });
});
afterAll(async () => {
  await plain?.close();
  await server?.close();
});

const decodeViaServer = (payloads: Payload[], keysOk = true) =>
  fetch(`${server.url}/default/decode`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
      Authorization: `Bearer ${TOKEN}`,
    },
    body: JSON.stringify({ payloads: toJsonPayloads(payloads) }),
  }).then(async (res) => {
    if (keysOk) expect(res.status).toBe(200);
    return {
      status: res.status,
      body: (await res.json()) as { payloads: Array<{ data: string }>; message?: string },
    };
  });

const decodedText = (body: { payloads: Array<{ data: string }> }) =>
  body.payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');

/** Runs a gated secret run through one worker with `keys`, approved by a client with the same keys. */
async function encryptedRun(keys: string) {
  const taskQueue = uniqueId('codec');
  const codec = codecOf(keys);
  const { worker, close } = await createTestWorker({ taskQueue, payloadCodecs: [codec] });
  const baton = await connect({ address: address(), taskQueue, payloadCodecs: [codec] });
  try {
    return await worker.runUntil(async () => {
      const { workflowId } = await startRun(baton, {
        agents,
        definition: secretRun(),
        params: { topic: `${MARKER}-param` },
      });
      await waitForGate(baton, workflowId, 'draft');
      await decide(
        baton,
        workflowId,
        { phase: 'draft', action: 'approve', by: 'alice', comment: `${MARKER}-decision` },
        { via: 'update' },
      );
      return { workflowId, summary: await waitForResult(baton, workflowId) };
    });
  } finally {
    await baton.close();
    await close();
  }
}

describe('encrypted history', () => {
  it('a client without the codec, and the Temporal CLI, see no plaintext; the codec server decodes it', async () => {
    const { workflowId, summary } = await encryptedRun(K1);
    // The run itself saw everything in the clear.
    expect(summary.state).toBe('completed');
    expect(summary.outputs.next).toEqual({ echoed: { got: `${MARKER}-prompt` }, phase: 'next' });
    expect(summary.outputs.draft).toMatchObject({ echoed: { topic: `${MARKER}-param` } });

    const history = await plain.client.workflow.getHandle(workflowId).fetchHistory();
    expect(historyBytes(history).includes(MARKER)).toBe(false);
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    // The run's own data: its input, every activity's input and result, the decision, the result.
    const ours = dataPayloads(history);
    expect(ours.length).toBeGreaterThan(5);
    expect(new Set(ours.map((p) => metaText(p, 'encoding')))).toEqual(new Set(['binary/encrypted']));
    expect(new Set(ours.map((p) => metaText(p, 'encryption-key-id')))).toEqual(new Set(['k1']));
    // What stays plaintext is the SDK's bookkeeping and the search attributes: no marker there.
    const clear = payloads.filter((p) => metaText(p, 'encoding') !== 'binary/encrypted');
    expect(clear.map((p) => Buffer.from(p.data ?? []).toString()).join('\n')).not.toContain(MARKER);

    const shown = await temporalCli([
      'workflow',
      'show',
      '-w',
      workflowId,
      '--address',
      address(),
      '--output',
      'json',
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/YmluYXJ5L2VuY3J5cHRlZA==|binary\/encrypted/);
    expect(cliText(shown.stdout)).not.toContain(MARKER);

    const { body } = await decodeViaServer(payloads);
    const text = decodedText(body);
    for (const part of ['prompt', 'param', 'decision', 'description'])
      expect(text).toContain(`${MARKER}-${part}`);

    const decoded = await temporalCli([
      'workflow',
      'show',
      '-w',
      workflowId,
      '--address',
      address(),
      '--output',
      'json',
      '--codec-endpoint',
      server.url,
      '--codec-auth',
      `Bearer ${TOKEN}`,
    ]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(cliText(decoded.stdout)).toContain(`${MARKER}-decision`);
    expect(cliText(decoded.stdout)).toContain(`${MARKER}-prompt`);
    expect(decoded.stdout).not.toContain('YmluYXJ5L2VuY3J5cHRlZA==');
  });

  it('without the codec, the same run is plaintext in history (so the check above can fail)', async () => {
    const taskQueue = uniqueId('codec-off');
    const { workflowId } = await startRun(
      { ...plain, taskQueue },
      {
        agents,
        definition: secretRun(),
        params: { topic: `${MARKER}-param` },
      },
    );
    const history = await plain.client.workflow.getHandle(workflowId).fetchHistory();
    expect(historyBytes(history).includes(`${MARKER}-prompt`)).toBe(true);
    await plain.client.workflow.getHandle(workflowId).terminate('test over');
  });

  it('key rotation: a run started under k1 finishes on a worker restarted with k2,k1; both decode', async () => {
    const taskQueue = uniqueId('codec-rotate');
    const old = codecOf(K1);
    const first = await createTestWorker({ taskQueue, payloadCodecs: [old] });
    const before = await connect({ address: address(), taskQueue, payloadCodecs: [old] });
    const workflowId = await first.worker.runUntil(async () => {
      const started = await startRun(before, {
        agents,
        definition: secretRun(),
        params: { topic: `${MARKER}-param` },
      });
      await waitForGate(before, started.workflowId, 'draft');
      return started.workflowId;
    });
    await first.close();
    await before.close();

    const rotated = codecOf(`${K2},${K1}`);
    const second = await createTestWorker({
      taskQueue,
      payloadCodecs: [rotated],
      workspaceRoot: first.workspaceRoot,
    });
    const after = await connect({ address: address(), taskQueue, payloadCodecs: [rotated] });
    try {
      const summary = await second.worker.runUntil(async () => {
        await waitForGate(after, workflowId, 'draft');
        await decide(
          after,
          workflowId,
          { phase: 'draft', action: 'approve', by: 'bob', comment: `${MARKER}-decision` },
          { via: 'update' },
        );
        return waitForResult(after, workflowId);
      });
      expect(summary.state).toBe('completed');
      expect(summary.outputs.next).toEqual({ echoed: { got: `${MARKER}-prompt` }, phase: 'next' });
    } finally {
      await after.close();
      await second.close();
    }

    const payloads = payloadsIn(await plain.client.workflow.getHandle(workflowId).fetchHistory());
    const ids = payloads
      .filter((p) => metaText(p, 'encryption-key-id'))
      .map((p) => metaText(p, 'encryption-key-id'));
    expect(new Set(ids)).toEqual(new Set(['k1', 'k2']));
    const { body } = await decodeViaServer(payloads.filter((p) => metaText(p, 'encryption-key-id')));
    expect(decodedText(body)).toContain(`${MARKER}-prompt`);
    expect(decodedText(body)).toContain(`${MARKER}-decision`);

    // A process that has only the new key cannot read the old payloads, and says which key it lacks.
    const oldOne = payloads.filter((p) => metaText(p, 'encryption-key-id') === 'k1');
    const error = await codecOf(K2)
      .decode(oldOne)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadDecryptError);
    expect((error as Error).message).toMatch(/key id "k1".*BATON_CODEC_KEYS does not hold \(it holds: k2\)/);
    const onlyK2 = await startCodecServer(K2, TOKEN);
    try {
      const res = await fetch(`${onlyK2.url}/decode`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ payloads: toJsonPayloads(oldOne) }),
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { message: string }).message).toContain('"k1"');
    } finally {
      await onlyK2.close();
    }
  });
});
