import { readFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { loadConfig } from '../config';
import { checkDecisionKeys } from '../config/decision-keys';
import { checkNotificationSecrets } from '../config/notifications';
import { registrationOf, SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { connectionSecurity, describeSecurity, type TemporalSettings } from '../shared/temporal-settings';
import { WorkerSetupError } from './errors';
import { defaultWorkerLogger } from './log';
import {
  type MetricsEndpoint,
  metricsEndpoint,
  metricsStartError,
  metricsTelemetry,
  startWorkerGauges,
} from './metrics';
import { ensureSearchAttributes, searchAttributeCommands } from './search-attributes';
import { connectWorker, createBatonWorker, workerSettings, type BatonWorkerOptions } from './worker';
import { heapGrowingFlag } from './tuning';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has shut down (after SIGINT/SIGTERM or `stop()`). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Where Prometheus scrapes this worker, when BATON_METRICS_ADDRESS is set. */
  metricsUrl?: string;
}

let runtimeInstalled = false;
/** The endpoint the runtime serves (the first startWorker's BATON_METRICS_ADDRESS installed it). */
let servedMetrics: MetricsEndpoint | undefined;

/**
 * Starts a worker on the task queue and keeps it running until SIGINT or SIGTERM; the SDK's
 * runtime then lets in-flight tasks finish before the worker stops polling.
 */
export async function startWorker(
  options: ActivityDeps &
    Pick<BatonWorkerOptions, 'address' | 'namespace' | 'taskQueue' | 'settings' | 'concurrency'> = {},
): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    const metrics = metricsEndpoint(process.env);
    const telemetryOptions = metrics && metricsTelemetry(metrics);
    try {
      Runtime.install({
        shutdownSignals: ['SIGINT', 'SIGTERM'],
        logger: defaultWorkerLogger(),
        telemetryOptions,
      });
    } catch (cause) {
      throw metrics ? metricsStartError(metrics, cause) : cause;
    }
    runtimeInstalled = true;
    servedMetrics = metrics;
  }
  const settings = workerSettings(options);
  // Providers, models and command agents come from baton.config.* and the environment.
  const config = options.config ?? (await loadConfig());
  checkDecisionKeys(config, process.env);
  checkNotificationSecrets(config.notifications ?? [], process.env, config.file);
  heapGrowingFlag(process.env);
  let connection: NativeConnection;
  try {
    connection = await connectWorker(settings);
  } catch (cause) {
    throw unreachable(settings, cause);
  }
  let worker: Worker;
  try {
    await prepareNamespace(settings);
    worker = await createBatonWorker({ ...options, settings, config, connection });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const { logger, metricMeter: meter } = Runtime.instance();
  const metrics = servedMetrics;
  if (metrics) logger.info(`serving Prometheus metrics at ${metrics.url}`);
  const gauges = metrics && startWorkerGauges({ settings, meter, logger });
  const done = worker
    .run()
    .finally(() => Promise.all([connection.close(), gauges?.stop().catch(() => undefined)]));
  return {
    worker,
    done: done.then(() => undefined),
    ...(metrics && { metricsUrl: metrics.url }),
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
async function prepareNamespace(settings: TemporalSettings): Promise<void> {
  const { address, namespace } = settings;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({
      address,
      connectTimeout: '5s',
      ...connectionSecurity(settings, (path) => readFileSync(path)),
    });
    const found = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      (error: unknown) => (error as { code?: number }).code !== 5, // NOT_FOUND; others: let the worker say
    );
    // Checked before the worker exists: the SDK leaves its workflow threads running when
    // Worker.create fails on a missing namespace, and the process would not exit.
    if (!found) {
      throw new WorkerSetupError(
        `Namespace "${namespace}" does not exist on the Temporal server at ${address}.`,
        `Create it with \`temporal operator namespace create --address ${address} --namespace ${namespace}\`, or set TEMPORAL_NAMESPACE to an existing one.`,
      );
    }
    await ensureSearchAttributes(connection, namespace);
  } catch (error) {
    if (error instanceof WorkerSetupError) throw error;
    const needed = SEARCH_ATTRIBUTES.map((key) => `${key.name} (${registrationOf(key).cli})`).join(', ');
    console.warn(
      `warning: could not check or create Baton's search attributes in namespace "${namespace}" (${(error as Error).message}).\n` +
        `  Runs need ${needed}; ask an operator to add them:\n` +
        searchAttributeCommands(address, namespace)
          .map((command) => `    ${command}`)
          .join('\n'),
    );
  } finally {
    await connection?.close();
  }
}

function unreachable(settings: TemporalSettings, cause: unknown): WorkerSetupError {
  const secured = settings.tls ? ` (${describeSecurity(settings)})` : '';
  return new WorkerSetupError(
    `Cannot reach a Temporal server at ${settings.address}${secured}.`,
    settings.tls
      ? 'Check TEMPORAL_ADDRESS and the TLS settings: a plaintext server (such as the dev server) needs TEMPORAL_TLS_*, TEMPORAL_API_KEY and TEMPORAL_TLS unset.'
      : 'Start one with `npm start` or `npx baton dev`, or point TEMPORAL_ADDRESS at a running server.',
    { cause },
  );
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
