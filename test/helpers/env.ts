import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Agent } from '../../src/activities/agents/agent';
import { connect, type Baton } from '../../src/client/runs';
import type { BatonConfig } from '../../src/config';
import type { DefinitionInput } from '../../src/shared/definition';
import { statusQuery } from '../../src/shared/messages';
import type { RunStatus } from '../../src/shared/status';
import { testAgents } from './agents';

// Workers log every state change at INFO; tests only want problems.
Runtime.install({ logger: new DefaultLogger('ERROR') });

let counter = 0;
export const uniqueId = (prefix: string) =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

export async function testBaton(taskQueue: string): Promise<Baton> {
  return connect({ address: inject('temporalAddress'), taskQueue });
}

export interface TestWorkerOptions {
  taskQueue: string;
  agents?: Agent[];
  workspaceRoot?: string;
  /** The worker's identity (the SDK's default is `<pid>@<host>`). */
  identity?: string;
  /** The worker's configuration (roles, security, notify…); without it agents run offline. */
  config?: BatonConfig;
}

/** A real worker on a unique task queue, with the suite's prebuilt workflow bundle. */
export async function createTestWorker(
  options: TestWorkerOptions,
): Promise<{ worker: Worker; workspaceRoot: string; close(): Promise<void> }> {
  const { createActivities } = await import('../../src/activities');
  const { createArtifactStore } = await import('../../src/store/artifacts');
  const workspaceRoot = options.workspaceRoot ?? (await mkdtemp(join(tmpdir(), 'baton-ws-')));
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({
      agents: options.agents ?? testAgents(),
      workspaceRoot,
      artifacts: createArtifactStore(join(workspaceRoot, '.artifacts')),
      ...(options.config ? { config: options.config } : {}),
    }),
  });
  return { worker, workspaceRoot, close: () => connection.close() };
}

/** Runs `fn` while a test worker polls; shuts the worker down after. */
export async function withWorker<T>(
  options: TestWorkerOptions,
  fn: (ctx: { workspaceRoot: string }) => Promise<T>,
): Promise<T> {
  const { worker, workspaceRoot, close } = await createTestWorker(options);
  try {
    return await worker.runUntil(fn({ workspaceRoot }));
  } finally {
    await close();
  }
}

/**
 * One worker and one client for a whole test file: started before its tests, shut down after.
 * Read the fields inside tests (they are set once `beforeAll` has run).
 */
export function useWorker(options: Omit<TestWorkerOptions, 'taskQueue'> & { prefix: string }) {
  const taskQueue = uniqueId(options.prefix);
  const shared = { taskQueue, baton: undefined as unknown as Baton, workspaceRoot: '' };
  let stop: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    shared.baton = await testBaton(taskQueue);
    const { worker, workspaceRoot, close } = await createTestWorker({ ...options, taskQueue });
    shared.workspaceRoot = workspaceRoot;
    const running = worker.run();
    stop = async () => {
      worker.shutdown();
      await running;
      await close();
      await shared.baton.close();
    };
  });
  afterAll(() => stop());
  return shared;
}

/** Polls `read` until `done` holds; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `condition not met in ${timeoutMs}ms; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`,
  );
}

export const queryStatus = (baton: Baton, id: string): Promise<RunStatus> =>
  baton.client.workflow.getHandle(id).query(statusQuery);

/** Waits until the named phase's gate is open. */
export const waitForGate = (baton: Baton, id: string, phase: string) =>
  waitFor(
    () => queryStatus(baton, id),
    (s) => s.gates.some((g) => g.phase === phase),
  );

/** A small definition built from phases, for tests. */
export function definition(
  phases: DefinitionInput['phases'],
  extra: Partial<DefinitionInput> = {},
): DefinitionInput {
  return { name: 'test-pipeline', phases, ...extra };
}
