import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { ensureSearchAttributes, SEARCH_ATTRIBUTES } from '../../scripts/dev-server';
import type { ActivityDeps } from '../activities';
import { loadConfig } from '../config';
import { BatonError, ServerUnreachableError } from '../client/errors';
import { defaultWorkerLogger } from './log';
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
    Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'], logger: defaultWorkerLogger() });
    runtimeInstalled = true;
  }
  const settings = workerSettings(options);
  // Providers, models and command agents come from baton.config.* and the environment.
  const config = options.config ?? (await loadConfig());
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: settings.address });
  } catch (cause) {
    throw new ServerUnreachableError(settings.address, { cause });
  }
  let worker: Worker;
  try {
    await prepareNamespace(settings.address, settings.namespace);
    worker = await createBatonWorker({ ...options, ...settings, config, connection });
  } catch (error) {
    await connection.close();
    throw error;
  }
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
 * Checks the namespace, then makes sure it has Baton's search attributes. Runs record their
 * template, open gates and progress in them (`baton inbox` and the Web UI read them), and a run
 * that sets one the namespace lacks fails. The dev server gets them at start; other servers get
 * them here, or a warning that says how to add them (the worker may lack the permission).
 */
async function prepareNamespace(address: string, namespace: string): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
    const found = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      (error: unknown) => (error as { code?: number }).code !== 5, // NOT_FOUND; others: let the worker say
    );
    // Checked before the worker exists: the SDK leaves its workflow threads running when
    // Worker.create fails on a missing namespace, and the process would not exit.
    if (!found) {
      throw new BatonError(
        `Namespace "${namespace}" does not exist on the Temporal server at ${address}. Create it with \`temporal operator namespace create --address ${address} --namespace ${namespace}\`, or set TEMPORAL_NAMESPACE to an existing one.`,
      );
    }
    await ensureSearchAttributes(connection, namespace);
  } catch (error) {
    if (error instanceof BatonError) throw error;
    const attributes = Object.entries(SEARCH_ATTRIBUTES);
    console.warn(
      `warning: could not check or create Baton's search attributes in namespace "${namespace}" (${(error as Error).message}).\n` +
        `  Runs need ${attributes.map(([name, type]) => `${name} (${type})`).join(', ')}; ask an operator to add them:\n` +
        attributes
          .map(
            ([name, type]) =>
              `    temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${name} --type ${type}`,
          )
          .join('\n'),
    );
  } finally {
    await connection?.close();
  }
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
