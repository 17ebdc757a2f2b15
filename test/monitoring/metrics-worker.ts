/**
 * A worker process serving Prometheus metrics the way `baton worker` does (the runtime's exporter
 * from BATON_METRICS_ADDRESS, the worker gauges), with the test agents and the suite's bundle. The
 * vitest process has its runtime installed without telemetry already, so the exporter needs a
 * process of its own. Env: TEMPORAL_ADDRESS, TASK_QUEUE, WORKSPACE_ROOT, WORKFLOW_BUNDLE,
 * BATON_METRICS_ADDRESS; BATON_CONFIG (optional); BATON_TEST_MAX_CACHED (workflows kept in cache, 0 replays every task).
 */
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities } from '../../src/activities';
import { defineAgent } from '../../src/activities/agents/agent';
import { loadConfig } from '../../src/config';
import { temporalSettings } from '../../src/shared/temporal-settings';
import { createArtifactStore } from '../../src/store/artifacts';
import { metricsEndpoint, metricsTelemetry, startWorkerGauges } from '../../src/workers/metrics';
import { testAgents } from '../helpers/agents';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`metrics-worker needs ${name}`);
  return value;
};

/** Reports one priced LLM call per phase, as an LLM-backed agent does. */
const usageAgent = defineAgent({
  name: 'usage',
  description: 'reports 100 input and 20 output tokens of openai:gpt-test, $0.25',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  async run(_input, ctx) {
    ctx.recordUsage({ model: 'openai:gpt-test', inputTokens: 100, outputTokens: 20, costUsd: 0.25 });
    return { ok: true };
  },
});

const endpoint = metricsEndpoint(process.env);
if (!endpoint) throw new Error('metrics-worker needs BATON_METRICS_ADDRESS');
Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: metricsTelemetry(endpoint) });
const settings = temporalSettings(process.env, {
  address: env('TEMPORAL_ADDRESS'),
  taskQueue: env('TASK_QUEUE'),
});
const connection = await NativeConnection.connect({ address: settings.address });
const worker = await Worker.create({
  connection,
  taskQueue: settings.taskQueue,
  workflowBundle: { codePath: env('WORKFLOW_BUNDLE') },
  ...(process.env.BATON_TEST_MAX_CACHED !== undefined && {
    maxCachedWorkflows: Number(process.env.BATON_TEST_MAX_CACHED),
  }),
  activities: createActivities({
    agents: [...testAgents(), usageAgent],
    workspaceRoot: env('WORKSPACE_ROOT'),
    artifacts: createArtifactStore(join(env('WORKSPACE_ROOT'), '.artifacts')),
    // Notification sinks come from a config file when the test gives one.
    ...(process.env.BATON_CONFIG ? { config: await loadConfig() } : {}),
  }),
});
const { logger, metricMeter } = Runtime.instance();
const gauges = startWorkerGauges({
  settings,
  meter: metricMeter,
  logger,
  intervalMs: Number(process.env.BATON_TEST_GAUGE_MS ?? 500),
});
console.log('worker-ready');
await worker.run();
await gauges.stop();
await connection.close();
