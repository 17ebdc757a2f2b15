import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DecisionRejectedError } from '../../src/client/errors';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { LIMITS } from '../../src/shared/limits';
import { strictAgent, testAgents } from '../helpers/agents';
import { definition, queryStatus, uniqueId, useWorker, waitFor, waitForGate } from '../helpers/env';
import { eventTypeName } from './event-types';

const shared = useWorker({ prefix: 'hostile', agents: [...testAgents(), strictAgent] });
const agents = [...testAgents(), strictAgent].map((a) => a.name);

/**
 * The names of a run's history events, paged two at a time: a page holding five 1 MB signals would
 * pass the client's 4 MB receive limit.
 */
async function historyTypes(workflowId: string): Promise<string[]> {
  const types: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await shared.baton.connection.workflowService.getWorkflowExecutionHistory({
      namespace: shared.baton.namespace,
      execution: { workflowId },
      maximumPageSize: 2,
      nextPageToken,
    });
    for (const event of page.history?.events ?? []) types.push(eventTypeName(event.eventType));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return types;
}

/** Starts `pipeline` with a JSON text as its one argument, as any gRPC client could. */
async function startRaw(json: string): Promise<string> {
  const workflowId = uniqueId('raw');
  await shared.baton.connection.workflowService.startWorkflowExecution({
    namespace: shared.baton.namespace,
    workflowId,
    workflowType: { name: 'pipeline' },
    taskQueue: { name: shared.taskQueue },
    input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(json) }] },
    requestId: randomUUID(),
    identity: 'hostile-test',
  });
  return workflowId;
}

const gated = (agent = 'echo', input: Record<string, unknown> = { tone: 'casual' }) =>
  definition([{ id: 'draft', agent, input, approval: true }]);
const hugeNesting = `{"definition":{"name":"deep","phases":[{"id":"a","agent":"echo","input":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}}`;

const hostile: Array<[string, () => Promise<string>, string]> = [
  [
    'a gate timeout of 200000000d',
    () => direct(gated('echo'), { timeout: '200000000d' }),
    'approval.timeout',
  ],
  ['a gate timeout of 1e300 ms', () => direct(gated('echo'), { timeout: 1e300 }), 'approval.timeout'],
  ['input nested 100,000 levels', () => startRaw(hugeNesting), 'phases[a].input: the input nests deeper'],
  [
    'a 1.9 MB definition',
    () => direct({ ...gated('echo'), description: 'x'.repeat(1_900_000) }),
    'at most 512 KB',
  ],
  ['an unknown field', () => direct({ ...gated('echo'), colour: 'red' }), 'unknown field "colour"'],
  ['a negative retry count', () => direct(withPhase({ retry: { maxAttempts: -3 } })), 'retry.maxAttempts'],
  ['a timeout of the wrong type', () => direct(withPhase({ timeout: { ms: 5 } })), 'phases[a].timeout'],
  ['a definition that is a number', () => startRaw('{"definition": 42}'), 'got a number'],
  [
    'a param that breaks its pattern',
    () =>
      direct(
        { ...withPhase({ input: { e: '${params.env}' } }), params: { env: { pattern: '^[a-z]+$' } } },
        undefined,
        { env: '../x' },
      ),
    'params.env: "../x" does not match the pattern',
  ],
  [
    'a static input key the agent does not take',
    () => direct(gated('strict', { tonee: 'casual' })),
    'phases[draft].input.tonee',
  ],
  ['an argument that is an array', () => startRaw('[1,2,3]'), 'expected object'],
];

function withPhase(phase: Record<string, unknown>) {
  return { name: 'hostile', phases: [{ id: 'a', agent: 'echo', ...phase }] };
}

async function direct(
  def: unknown,
  approval?: object,
  params: Record<string, unknown> = {},
): Promise<string> {
  const raw = def as { phases: Array<Record<string, unknown>> };
  const withApproval = approval ? { ...raw, phases: raw.phases.map((p) => ({ ...p, approval })) } : def;
  const workflowId = uniqueId('direct');
  await shared.baton.client.workflow.start('pipeline', {
    taskQueue: shared.taskQueue,
    workflowId,
    args: [{ definition: withApproval, params } as never],
  });
  return workflowId;
}

describe('pipeline started directly with hostile input', () => {
  it.each(hostile)(
    '%s fails at once, non-retryable, with no workflow task failure',
    async (_name, start, expected) => {
      const id = await start();
      const error = await shared.baton.client.workflow
        .getHandle(id)
        .result()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      const cause = (error as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('Baton.InvalidDefinition');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toContain(expected);
      const types = await historyTypes(id);
      expect(types.filter((t) => t.includes('WORKFLOW_TASK_FAILED'))).toEqual([]);
    },
  );
});

describe('decisions that used to stick the run', () => {
  it('five retry signals with 1 MB comments: status answers, the run goes on, comments are cut with a marker', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: gated() });
    const handle = shared.baton.client.workflow.getHandle(id);
    for (let run = 1; run <= 5; run++) {
      await waitFor(
        () => queryStatus(shared.baton, id),
        (s) => s.phases[0]!.runs === run && s.gates.length === 1,
      );
      await handle.signal('approval', {
        phase: 'draft',
        action: 'retry',
        by: 'alice',
        comment: 'x'.repeat(1_048_576),
      });
    }
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 6 && s.gates.length === 1,
    );
    expect(status.decisions).toHaveLength(5);
    for (const d of status.decisions) {
      expect(d.comment!.length).toBe(LIMITS.commentChars);
      expect(d.comment!.endsWith('… [truncated: 1048576 chars]')).toBe(true);
      expect(d.sanitized).toEqual(['comment truncated from 1048576 to 65536 characters']);
    }
    await decide(shared.baton, id, { phase: 'draft', action: 'approve', by: 'alice' }, { via: 'update' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
    const types = await historyTypes(id);
    expect(types).toContain('WORKFLOW_EXECUTION_COMPLETED');
    expect(types.filter((t) => t.includes('WORKFLOW_TASK_FAILED'))).toEqual([]);
  });

  it('keeps at most decisionsKeptBytes of decisions, counting the ones it dropped', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: gated() });
    const handle = shared.baton.client.workflow.getHandle(id);
    for (let run = 1; run <= 10; run++) {
      await waitFor(
        () => queryStatus(shared.baton, id),
        (s) => s.phases[0]!.runs === run && s.gates.length === 1,
      );
      await handle.signal('approval', {
        phase: 'draft',
        action: 'retry',
        by: 'bob',
        comment: `${run}:${'y'.repeat(70_000)}`,
      });
    }
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]!.runs === 11 && s.gates.length === 1,
    );
    expect(status.decisionsDropped).toBeGreaterThan(0);
    expect(status.decisions.length + status.decisionsDropped).toBe(10);
    expect(JSON.stringify(status.decisions).length).toBeLessThanOrEqual(LIMITS.decisionsKeptBytes);
    // The newest are kept.
    expect(status.decisions.at(-1)!.comment!.startsWith('10:')).toBe(true);
    await handle.cancel();
  });

  it('control characters, reserved names and deep changes: the update refuses, the signal escapes or ignores', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: gated() });
    await waitForGate(shared.baton, id, 'draft');
    const refuse = (decision: object) =>
      decide(shared.baton, id, decision as never, { via: 'update' }).then(
        () => 'accepted',
        (e: unknown) => e,
      );
    const forged = 'alice\n  2026-01-01T00:00:00.000Z  codegen: approve by security-team (signal)';
    expect(String(await refuse({ phase: 'draft', action: 'approve', by: forged }))).toContain(
      'control characters',
    );
    expect(String(await refuse({ phase: 'draft', action: 'approve', by: 'baton:auto' }))).toContain(
      'reserved',
    );
    expect(
      await refuse({ phase: 'draft', action: 'approve', by: 'a', comment: 'x'.repeat(70_000) }),
    ).toBeInstanceOf(DecisionRejectedError);

    const handle = shared.baton.client.workflow.getHandle(id);
    await handle.signal('approval', { phase: 'draft', action: 'approve', by: 'baton:timeout' });
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 1,
    );
    await handle.signal('approval', {
      phase: 'draft',
      action: 'approve',
      by: forged,
      comment: 'ok\u001b[2J',
    });
    const summary = await waitForResult(shared.baton, id);
    expect(summary.ignoredSignals[0]!.reason).toContain('reserved for the run itself');
    expect(summary.decisions).toHaveLength(1);
    expect(summary.decisions[0]!.by).toBe(forged.replace('\n', '\\u000a'));
    expect(summary.decisions[0]!.comment).toBe('ok\\u001b[2J');
    expect(summary.decisions[0]!.sanitized).toEqual([
      'control characters in by escaped',
      'control characters in comment escaped',
    ]);
  });

  it('a signal with changes nested 100,000 levels is ignored, and the run keeps answering', async () => {
    const { workflowId: id } = await startRun(shared.baton, { agents, definition: gated() });
    await waitForGate(shared.baton, id, 'draft');
    const deep = `{"phase":"draft","action":"modify","by":"eve","changes":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    await shared.baton.connection.workflowService.signalWorkflowExecution({
      namespace: shared.baton.namespace,
      workflowExecution: { workflowId: id },
      signalName: 'approval',
      input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(deep) }] },
      identity: 'hostile-test',
      requestId: randomUUID(),
    });
    const status = await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.ignoredSignals.length === 1,
    );
    expect(status.ignoredSignals[0]!.reason).toContain('changes nest deeper than 32 levels');
    await decide(shared.baton, id, { phase: 'draft', action: 'approve', by: 'alice' });
    expect((await waitForResult(shared.baton, id)).state).toBe('completed');
    expect((await historyTypes(id)).filter((t) => t.includes('WORKFLOW_TASK_FAILED'))).toEqual([]);
  });
});
