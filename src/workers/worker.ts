import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { payloadCodecsFromEnv } from '../codec';
import { connectionSecurity, temporalSettings, type TemporalSettings } from '../shared/temporal-settings';
import { workflowBundleFile } from './bundle-file';
import { heapGrowingFlag, workflowCacheOptions } from './tuning';

export interface BatonWorkerOptions extends ActivityDeps {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Whole settings (say, plaintext for the dev server `baton dev` started); else read from the environment. */
  settings?: TemporalSettings;
  /** A prebuilt bundle (tests build one for the whole suite); built once per process otherwise. */
  bundle?: WorkflowBundleOption;
  connection?: NativeConnection;
  /** The data converter's codecs (they run outside the sandbox); else from BATON_CODEC_KEYS. */
  payloadCodecs?: PayloadCodec[];
  /** The most agent phases (activities) this worker runs at once; the SDK's default (100) otherwise. */
  concurrency?: number;
  /** Runs kept in the sticky cache; else BATON_MAX_CACHED_WORKFLOWS, else 100 (src/workers/tuning.ts). */
  maxCachedWorkflows?: number;
}

/** The worker's Temporal settings: `settings`, else the environment, with the given fields first. */
export function workerSettings(
  options: Pick<BatonWorkerOptions, 'address' | 'namespace' | 'taskQueue' | 'settings'> = {},
): TemporalSettings {
  const given = Object.fromEntries(
    (['address', 'namespace', 'taskQueue'] as const)
      .filter((key) => options[key] !== undefined)
      .map((key) => [key, options[key]]),
  );
  return options.settings ? { ...options.settings, ...given } : temporalSettings(process.env, given);
}

/** Connects the worker side to Temporal with the settings' address, TLS and API key. */
export function connectWorker(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: settings.address,
    ...connectionSecurity(settings, (path) => readFileSync(path)),
  });
}

/** Creates a worker that runs the `pipeline` workflow and the agent activities. */
export async function createBatonWorker(options: BatonWorkerOptions = {}): Promise<Worker> {
  const settings = workerSettings(options);
  // Set before Worker.create, whose workflow thread's new isolate reads it; checked before connecting.
  const heapFlag = heapGrowingFlag(process.env);
  if (heapFlag) setFlagsFromString(heapFlag);
  const connection = options.connection ?? (await connectWorker(settings));
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle: options.bundle ?? (await workflowBundleFile()),
    activities: createActivities(options),
    dataConverter: { payloadCodecs: options.payloadCodecs ?? payloadCodecsFromEnv(process.env) },
    ...workflowCacheOptions(
      options.maxCachedWorkflows === undefined
        ? process.env
        : { BATON_MAX_CACHED_WORKFLOWS: String(options.maxCachedWorkflows) },
    ),
    ...(options.concurrency !== undefined && { maxConcurrentActivityTaskExecutions: options.concurrency }),
  });
}
