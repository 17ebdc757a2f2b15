import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { workflowTaskFailure } from '../../src/client/run-info';
import { WORKFLOW_TYPE } from '../../src/shared/messages';
import { testBaton, uniqueId, waitFor } from '../helpers/env';
import { cli, expectCleanError, type CliResult } from './cli-helpers';
import type { Baton } from '../../src/client/runs';

const STUCK_WORKFLOWS = fileURLToPath(new URL('./fixtures/stuck-workflow.ts', import.meta.url));

/** A worker whose `pipeline` fails every workflow task, on a task queue of its own. */
const shared = { taskQueue: uniqueId('cli-stuck'), workspaceRoot: '', baton: undefined as unknown as Baton };
let stop = async () => undefined as void;
beforeAll(async () => {
  shared.baton = await testBaton(shared.taskQueue);
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    taskQueue: shared.taskQueue,
    workflowsPath: STUCK_WORKFLOWS,
  });
  const running = worker.run();
  stop = async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await shared.baton.close();
  };
});
afterAll(() => stop());

const { baton, spawnBaton } = cli(shared);

/** Starts a run on the stuck worker and waits until its workflow task has failed and been retried. */
async function stuckRun(): Promise<string> {
  const id = uniqueId('stuck');
  await shared.baton.client.workflow.start(WORKFLOW_TYPE, {
    taskQueue: shared.taskQueue,
    workflowId: id,
    args: [{ definition: { name: 'stuck', phases: [{ id: 'a', agent: 'design' }] } }],
  });
  await waitFor(
    () => workflowTaskFailure(shared.baton, id),
    (failure) => failure !== undefined,
    60_000,
  );
  return id;
}

const terminate = (id: string) => shared.baton.client.workflow.getHandle(id).terminate('test over');
const env = { BATON_QUERY_TIMEOUT_MS: '2000' };

describe.concurrent('the baton CLI, when a run’s workflow task is failing', { timeout: 180_000 }, () => {
  it('`status` says the run is stuck, shows the failure from history, and names `temporal workflow terminate`', async () => {
    const id = await stuckRun();
    try {
      const status = await baton(['status', id], env);
      expectCleanError(
        status,
        `Run "${id}" is stuck: its workflow task is failing (attempt `,
        '): Invalid time value (stuck on purpose)',
        `temporal workflow terminate --workflow-id ${id}`,
      );
      const decided = await baton(['approve', id, 'a', '--by', 'dana'], env);
      expectCleanError(decided, `Run "${id}" cannot take decisions: its workflow task is failing`);
    } finally {
      await terminate(id);
    }
  });

  it('`cancel` still sends the cancellation, says the run cannot act on it, and names terminate (exit 1)', async () => {
    const id = await stuckRun();
    let cancel: CliResult;
    try {
      cancel = await baton(['cancel', id], env);
    } finally {
      await terminate(id);
    }
    expectCleanError(
      cancel,
      `Cancellation sent to run "${id}", but the run cannot act on it: its workflow task is failing`,
      'Invalid time value',
      `temporal workflow terminate --workflow-id ${id}`,
    );
    // The server holds events that arrive while a workflow task keeps failing; terminating writes them.
    const history = await shared.baton.client.workflow.getHandle(id).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
  });

  it('`start --wait` says, once, that the run is stuck, and keeps waiting', async () => {
    const id = uniqueId('stuck-wait');
    const file = join(await mkdtemp(join(tmpdir(), 'baton-def-')), 'def.yaml');
    await writeFile(
      file,
      'name: stuck\nphases:\n  - id: a\n    agent: api-spec\n    input: { service: orders, resources: orders }\n',
    );
    const waiting = spawnBaton(['start', '--file', file, '--id', id, '--wait'], env);
    try {
      await waitFor(
        async () => waiting.output.stderr,
        (stderr) => stderr.includes('(still waiting'),
        90_000,
      );
      expect(waiting.output.stderr).toMatch(
        new RegExp(
          `^note: Run "${id}" is stuck: its workflow task is failing \\(attempt \\d+\\): Invalid time value`,
        ),
      );
      expect(waiting.child.exitCode).toBeNull();
    } finally {
      waiting.child.kill();
      await waiting.exited;
      await terminate(id);
    }
  });
});
