import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, inject } from 'vitest';
import { testBaton, uniqueId } from './env';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Starts a worker process and resolves once it polls. */
export async function spawnWorker(env: {
  address: string;
  taskQueue: string;
  workspaceRoot: string;
  bundlePath: string;
  /** More environment for the worker (say BATON_CONFIG). */
  extra?: Record<string, string>;
}): Promise<ChildProcess> {
  // Node itself with tsx as a loader (not the tsx CLI, which would put a relay process in between).
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: env.taskQueue,
      WORKSPACE_ROOT: env.workspaceRoot,
      WORKFLOW_BUNDLE: env.bundlePath,
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker-ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`worker did not start in 60s: ${output}`)), 60_000).unref();
  });
  return child;
}

/** SIGKILLs a process and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Worker processes for crash tests: `start(prefix)` gives a task queue and workspace of the test's
 * own, a client on them, and `spawnOne` to start a worker there; every worker still up after a test
 * is SIGKILLed.
 */
export function useWorkerProcesses() {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map(killHard));
  });
  return {
    async start(prefix: string, extra?: Record<string, string>) {
      const taskQueue = uniqueId(prefix);
      const workspaceRoot = await mkdtemp(join(tmpdir(), `baton-${prefix}-`));
      const env = {
        address: inject('temporalAddress'),
        taskQueue,
        workspaceRoot,
        bundlePath: inject('workflowBundlePath'),
        ...(extra ? { extra } : {}),
      };
      const spawnOne = async (): Promise<ChildProcess> => {
        const child = await spawnWorker(env);
        children.push(child);
        return child;
      };
      return { env, baton: await testBaton(taskQueue), spawnOne };
    },
  };
}
