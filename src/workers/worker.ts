import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { DEFAULT_TASK_QUEUE } from '../shared/messages';
import { workflowBundle } from './bundle';

export interface BatonWorkerOptions extends ActivityDeps {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** A prebuilt bundle (tests build one for the whole suite); built once per process otherwise. */
  bundle?: WorkflowBundleOption;
  connection?: NativeConnection;
}

export function workerSettings(
  options: Pick<BatonWorkerOptions, 'address' | 'namespace' | 'taskQueue'> = {},
) {
  return {
    address: options.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: options.taskQueue ?? process.env.BATON_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  };
}

/** Creates a worker that runs the `pipeline` workflow and the agent activities. */
export async function createBatonWorker(options: BatonWorkerOptions = {}): Promise<Worker> {
  const { address, namespace, taskQueue } = workerSettings(options);
  const connection = options.connection ?? (await NativeConnection.connect({ address }));
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: options.bundle ?? (await workflowBundle()),
    activities: createActivities(options),
  });
}
