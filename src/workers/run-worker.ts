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
