import { join } from 'node:path';
/**
 * A worker in its own process, for crash tests: the parent SIGKILLs it mid-run.
 * Env: TEMPORAL_ADDRESS, TASK_QUEUE, WORKSPACE_ROOT, WORKFLOW_BUNDLE; WORKER_CONCURRENCY (optional,
 * `baton worker --concurrency`).
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createArtifactStore } from '../../src/store/artifacts';
import { defaultWorkerLogger } from '../../src/workers/log';
import { checkConcurrency } from '../../src/workers/concurrency';
import { createBatonWorker } from '../../src/workers/worker';
import { parallelAgents } from '../parallel/agents';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker-process needs ${name}`);
  return value;
};

// The production worker's logger (BATON_LOG_LEVEL, one line per failed phase attempt).
Runtime.install({ logger: defaultWorkerLogger() });
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const concurrency = process.env.WORKER_CONCURRENCY;
// The production worker's own construction, so options such as the concurrency are the real ones.
const worker = await createBatonWorker({
  connection,
  taskQueue: env('TASK_QUEUE'),
  bundle: { codePath: env('WORKFLOW_BUNDLE') },
  agents: parallelAgents(),
  workspaceRoot: env('WORKSPACE_ROOT'),
  artifacts: createArtifactStore(join(env('WORKSPACE_ROOT'), '.artifacts')),
  // Roles, signing and notifications come from a config file when the test gives one.
  ...(process.env.BATON_CONFIG ? { config: await loadConfig() } : {}),
  ...(concurrency ? { concurrency: checkConcurrency(concurrency) } : {}),
});
console.log('worker-ready');
await worker.run();
await connection.close();
