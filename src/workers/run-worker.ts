import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { loadConfig } from '../activities/config';
import { createBatonWorker, workerSettings } from './worker';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after SIGINT/SIGTERM or `stop()`). */
  done: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Starts a worker on the task queue and keeps it running until SIGINT or SIGTERM; the SDK's
 * runtime then lets in-flight tasks finish before the worker stops polling.
 */
export async function startWorker(
  options: ActivityDeps & { address?: string; namespace?: string; taskQueue?: string } = {},
): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    const level = (process.env.BATON_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
    Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: new DefaultLogger(level) });
    runtimeInstalled = true;
  }
  const settings = workerSettings(options);
  // Providers, models and command agents come from baton.config.* and the environment.
  const config = options.config ?? (await loadConfig());
  const connection = await NativeConnection.connect({ address: settings.address });
  const worker = await createBatonWorker({ ...options, ...settings, config, connection });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/**
 * Keeps a second SIGINT/SIGTERM from killing the process while it shuts down cleanly. Ctrl-C under
 * `npm start` reaches the process twice (from the terminal and relayed by npm/tsx); the SDK stops
 * listening after the first, so without this the second would exit at once. A third signal still
 * exits, for an impatient user. Returns the function that removes the listeners.
 */
export function holdShutdownSignals(onSignal: (count: number) => void = () => undefined): () => void {
  let count = 0;
  const listener = () => {
    count += 1;
    onSignal(count);
    if (count >= 3) process.exit(130);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
