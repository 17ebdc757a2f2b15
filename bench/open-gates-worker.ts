/**
 * The worker of bench/open-gates.ts, in a process of its own so its memory is its own. It is the
 * production worker (createBatonWorker: the shipped cache settings, BATON_MAX_CACHED_WORKFLOWS)
 * with one no-op agent that tells the parent when it runs, on the shared epoch clock.
 * Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, WORKSPACE_ROOT. Started with `fork`.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { defineAgent } from '../src/activities/agents/agent';
import { createBatonWorker } from '../src/workers/worker';

export type FromWorker =
  | { kind: 'ready'; maxCachedWorkflows: number }
  | { kind: 'agent'; workflowId: string; phase: string; at: number }
  | { kind: 'memory'; rss: number; heapUsed: number; heapTotal: number; external: number };

const send = (message: FromWorker) => process.send?.(message);
const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`open-gates-worker: ${name} is not set`);
  return value;
};

const noop = defineAgent({
  name: 'noop',
  description: 'does nothing, at once, and says when',
  input: z.object({}).passthrough(),
  output: z.object({ ok: z.boolean() }),
  async run(_input, ctx) {
    send({ kind: 'agent', workflowId: ctx.workflowId, phase: ctx.phase, at: performance.timeOrigin + performance.now() });
    return { ok: true };
  },
});

Runtime.install({ logger: new DefaultLogger('WARN') });
const worker = await createBatonWorker({
  address: need('TEMPORAL_ADDRESS'),
  namespace: need('TEMPORAL_NAMESPACE'),
  taskQueue: need('TASK_QUEUE'),
  agents: [noop],
  workspaceRoot: need('WORKSPACE_ROOT'),
  ...(process.env.WORKFLOW_BUNDLE ? { bundle: { codePath: process.env.WORKFLOW_BUNDLE } } : {}),
});
process.on('message', (message: unknown) => {
  if (message === 'memory') {
    const m = process.memoryUsage();
    send({ kind: 'memory', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
  } else if (message === 'stop') worker.shutdown();
});
send({ kind: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows });
await worker.run();
process.exit(0);
