import { join } from 'node:path';
/**
 * A worker in its own process, for crash tests: the parent SIGKILLs it mid-run.
 * Env: TEMPORAL_ADDRESS, TASK_QUEUE, WORKSPACE_ROOT, WORKFLOW_BUNDLE.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { createArtifactStore } from '../../src/store/artifacts';
import { defaultWorkerLogger } from '../../src/workers/log';
import { parallelAgents } from '../parallel/agents';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process needs ${name}`);
  return value;
};

// The production worker's logger (BATON_LOG_LEVEL, one line per failed phase attempt).
Runtime.install({ logger: defaultWorkerLogger() });
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('TASK_QUEUE'),
  workflowBundle: { codePath: env('WORKFLOW_BUNDLE') },
  activities: createActivities({
    agents: parallelAgents(),
    workspaceRoot: env('WORKSPACE_ROOT'),
    artifacts: createArtifactStore(join(env('WORKSPACE_ROOT'), '.artifacts')),
    // Roles, signing and notifications come from a config file when the test gives one.
    ...(process.env.BATON_CONFIG ? { config: await loadConfig() } : {}),
  }),
});
console.log('worker-ready');
await worker.run();
await connection.close();
