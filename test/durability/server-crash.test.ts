import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../../src/dev/net';
import { startDevServer, type DevServer } from '../../src/dev/server';
import { createActivities } from '../../src/activities';
import { createArtifactStore } from '../../src/store/artifacts';
import { connect, decide, startRun, waitForResult, type Baton } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { definition, queryStatus, uniqueId, waitFor, waitForGate } from '../helpers/env';
import { workspaceOf } from '../../src/activities/workspace';
import type { BatonConfig } from '../../src/config';

const agents = testAgents().map((a) => a.name);
let server: DevServer | undefined;
afterAll(async () => {
  await server?.stop();
});

/** Connects once the restarted server answers again. */
async function reconnect(address: string, taskQueue: string): Promise<Baton> {
  return waitFor(
    () => connect({ address, taskQueue }),
    () => true,
    60_000,
  );
}

/** A worker on the server at `address`, with the test agents and, if given, a config. */
async function startTestWorker(
  address: string,
  taskQueue: string,
  workspaceRoot: string,
  config?: BatonConfig,
) {
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      agents: testAgents(),
      workspaceRoot,
      artifacts: createArtifactStore(join(workspaceRoot, '.artifacts')),
      ...(config ? { config } : {}),
    }),
  });
  const running = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

describe('the dev server killed with SIGKILL', () => {
  it('restarts on its db file and the run completes with every decision', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-server-crash-'));
    const port = await freePort();
    const options = { port, dbFile: join(dir, 'temporal.db'), headless: true };
    server = await startDevServer(options);
    const taskQueue = uniqueId('server-crash');
    const workspaceRoot = join(dir, 'workspaces');

    const startWorker = () => startTestWorker(server!.address, taskQueue, workspaceRoot);

    let baton = await connect({ address: server.address, taskQueue });
    let worker = await startWorker();
    const { workflowId, firstRunId } = await startRun(baton, {
      agents,
      definition: definition([
        {
          id: 'work',
          agent: 'hold',
          heartbeatTimeout: '2s',
          retry: { maxAttempts: 10, initialInterval: '200ms' },
        },
        { id: 'review', agent: 'echo', needs: ['work'], approval: true },
        { id: 'ship', agent: 'echo', needs: ['review'], approval: true },
      ]),
    });
    // A chain: each phase runs alone, so its agent works in the run's main checkout.
    const workspace = workspaceOf(workspaceRoot, workflowId, firstRunId);

    // 1. Kill the server while a phase runs.
    await waitFor(
      () => readdir(workspace).catch(() => [] as string[]),
      (files) => files.includes('work.started.1'),
    );
    await server.kill();
    await worker.stop();
    await baton.close();
    await writeFile(join(workspace, 'release'), 'go');
    server = await startDevServer(options);
    baton = await reconnect(server.address, taskQueue);
    worker = await startWorker();

    await waitForGate(baton, workflowId, 'review');
    await decide(baton, workflowId, { phase: 'review', action: 'approve', by: 'alice' });
    await waitForGate(baton, workflowId, 'ship');

    // 2. Kill it while a gate waits; the decision before the crash must survive it.
    await server.kill();
    await worker.stop();
    await baton.close();
    server = await startDevServer(options);
    baton = await reconnect(server.address, taskQueue);
    worker = await startWorker();
    await waitForGate(baton, workflowId, 'ship');
    await decide(baton, workflowId, { phase: 'ship', action: 'approve', by: 'bob' });

    const summary = await waitForResult(baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(summary.phases.map((p) => p.state)).toEqual(['done', 'done', 'done']);
    expect(summary.decisions.map((d) => [d.phase, d.by])).toEqual([
      ['review', 'alice'],
      ['ship', 'bob'],
    ]);
    await worker.stop();
    await baton.close();
    await server.stop();
    server = undefined;
  }, 180_000);

  it('keeps a gate escalation timer: it fires once the server is back, and the wider set decides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-server-timers-'));
    const options = { port: await freePort(), dbFile: join(dir, 'temporal.db'), headless: true };
    server = await startDevServer(options);
    const taskQueue = uniqueId('server-timers');
    const workspaceRoot = join(dir, 'workspaces');
    const config: BatonConfig = {
      providers: {},
      agents: {},
      agentModelEnv: {},
      commandAgents: {},
      prices: {},
      roles: { lead: ['alice'], director: ['carol'] },
    };
    let baton = await connect({ address: server.address, taskQueue });
    let worker = await startTestWorker(server.address, taskQueue, workspaceRoot, config);
    const { workflowId } = await startRun(baton, {
      agents,
      definition: definition([
        {
          id: 'spec',
          agent: 'echo',
          approval: {
            approvers: { roles: ['lead'] },
            escalate: { after: '4s', to: { roles: ['director'] } },
          },
        },
      ]),
    });
    await waitForGate(baton, workflowId, 'spec');
    await server.kill();
    await worker.stop();
    await baton.close();
    await new Promise((r) => setTimeout(r, 4000));
    server = await startDevServer(options);
    baton = await reconnect(server.address, taskQueue);
    worker = await startTestWorker(server.address, taskQueue, workspaceRoot, config);
    const escalated = await waitFor(
      () => queryStatus(baton, workflowId),
      (s) => s.gates[0]?.escalatedAt !== undefined,
    );
    expect(escalated.gates[0]!.approverNames).toEqual(['alice', 'carol']);
    await decide(baton, workflowId, { phase: 'spec', action: 'approve', by: 'carol' });
    expect((await waitForResult(baton, workflowId)).decisions[0]).toMatchObject({
      by: 'carol',
      role: 'director',
    });
    await worker.stop();
    await baton.close();
    await server.stop();
    server = undefined;
  }, 180_000);
});
