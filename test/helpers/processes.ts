import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Starts a worker process and resolves once it polls. */
export async function spawnWorker(env: {
  address: string;
  taskQueue: string;
  workspaceRoot: string;
  bundlePath: string;
}): Promise<ChildProcess> {
  // Node itself with tsx as a loader (not the tsx CLI, which would put a relay process in between).
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: env.taskQueue,
      WORKSPACE_ROOT: env.workspaceRoot,
      WORKFLOW_BUNDLE: env.bundlePath,
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
