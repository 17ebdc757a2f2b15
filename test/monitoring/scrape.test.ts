import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { decide } from '../../src/client/decide';
import { startRun, waitForResult } from '../../src/client/runs';
import { freePort } from '../../src/dev/net';
import { definition, queryStatus, testBaton, uniqueId, waitFor, waitForGate } from '../helpers/env';
import { killHard } from '../helpers/processes';
import { declaredTypes, scrape, total, type Sample } from './prometheus';
import { SDK_METRICS } from './sdk-metrics';

const WORKER = fileURLToPath(new URL('./metrics-worker.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(killHard));
});

/** A worker process serving metrics on a free loopback port; resolves once it polls. */
async function metricsWorker(taskQueue: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const workspaceRoot = await mkdtemp(join(tmpdir(), 'baton-metrics-'));
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: taskQueue,
      WORKSPACE_ROOT: workspaceRoot,
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      BATON_METRICS_ADDRESS: `127.0.0.1:${port}`,
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker-ready')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`metrics worker exited early (${code}): ${output}`)));
  });
  return { url: `http://127.0.0.1:${port}/metrics`, output: () => output };
}

const counters = (samples: Sample[]) =>
  samples
    .filter((s) => s.name.startsWith('baton_') && /_(total|count|sum|bucket)$/.test(s.name))
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
    .sort();

describe('the worker exposes /metrics', () => {
  it("after a run with two gates: Baton's metrics and the SDK's, no double count on replay", async () => {
    const taskQueue = uniqueId('metrics-scrape');
    // Nothing stays cached: every workflow task replays the run's whole history first, so a
    // metric the replay counted again would show here as more than one run's worth.
    // A webhook nobody listens on, for one template's run.completed: its failure is counted.
    const config = join(await mkdtemp(join(tmpdir(), 'baton-metrics-config-')), 'baton.config.json');
    const hook = `http://127.0.0.1:${await freePort()}/hook`;
    const notifications = [
      { kind: 'webhook', url: hook, events: ['run.completed'], templates: ['metrics-retries'] },
    ];
    await writeFile(config, JSON.stringify({ notifications }));
    const worker = await metricsWorker(taskQueue, {
      BATON_TEST_MAX_CACHED: '0',
      BATON_CONFIG: config,
      BATON_NOTIFY_WITHIN: '2s',
    });
    const baton = await testBaton(taskQueue);
    try {
      const template = 'metrics-two-gates';
      const { workflowId } = await startRun(baton, {
        definition: definition(
          [
            { id: 'a', agent: 'usage', approval: true },
            { id: 'b', agent: 'usage', needs: ['a'], approval: true },
          ],
          { name: template },
        ),
        agents: ['usage'],
        approvalMode: 'manual',
        id: uniqueId('metrics-run'),
      });
      await waitForGate(baton, workflowId, 'a');
      // The gauge comes from visibility (every 500 ms in this worker), so it is polled.
      await waitFor(
        () => scrape(worker.url),
        ({ samples }) => total(samples, 'baton_open_gates') === 1,
      );
      const approve = (phase: string, via: 'signal' | 'update') =>
        decide(baton, workflowId, { phase, action: 'approve', by: 'ana' }, { via, confirm: false });
      await approve('a', 'signal');
      await waitForGate(baton, workflowId, 'b');
      await approve('b', 'update');
      expect((await waitForResult(baton, workflowId)).state).toBe('completed');
      const { text, samples } = await waitFor(
        () => scrape(worker.url),
        ({ samples }) => total(samples, 'baton_open_gates') === 0,
      );

      const run = { template, workflowType: 'pipeline', taskQueue };
      expect(total(samples, 'baton_phase_duration_count', run)).toBe(2);
      expect(
        total(samples, 'baton_phase_duration_count', { ...run, phase: 'a', agent: 'usage', outcome: 'done' }),
      ).toBe(1);
      // Every histogram has a bucket at the 30 s alert threshold.
      expect(samples.some((s) => s.name === 'baton_phase_duration_bucket' && s.labels.le === '30')).toBe(
        true,
      );
      expect(total(samples, 'baton_decisions_total', run)).toBe(2);
      expect(total(samples, 'baton_decisions_total', { ...run, action: 'approve', via: 'signal' })).toBe(1);
      expect(total(samples, 'baton_decisions_total', { ...run, action: 'approve', via: 'update' })).toBe(1);
      expect(total(samples, 'baton_gates_opened_total', { ...run, kind: 'approval' })).toBe(2);
      expect(total(samples, 'baton_gate_wait_count', { ...run, kind: 'approval' })).toBe(2);
      expect(total(samples, 'baton_gate_wait_sum', run)).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'baton_gate_wait_bucket' && s.labels.le === '3600')).toBe(true);
      const llm = { provider: 'openai', model: 'gpt-test' };
      expect(total(samples, 'baton_llm_tokens_total', { ...llm, direction: 'input' })).toBe(200);
      expect(total(samples, 'baton_llm_tokens_total', { ...llm, direction: 'output' })).toBe(40);
      expect(total(samples, 'baton_llm_cost_usd_sum', llm)).toBeCloseTo(0.5);
      expect(total(samples, 'baton_llm_cost_usd_count', llm)).toBe(2);
      expect(total(samples, 'baton_worker_rss_bytes')).toBeGreaterThan(10 * 2 ** 20);
      expect(total(samples, 'baton_phase_failures_total')).toBe(0);
      // The SDK's own, under the names the dashboard uses.
      expect(total(samples, 'temporal_workflow_completed_total', { workflow_type: 'pipeline' })).toBe(1);
      expect(total(samples, 'temporal_workflow_task_execution_latency_count')).toBeGreaterThan(0);
      const types = declaredTypes(text);
      const seenSdk = SDK_METRICS.filter((name) => types.has(name));
      const failureOnly = ['temporal_workflow_failed_total', 'temporal_activity_execution_failed_total'];
      expect(SDK_METRICS.filter((name) => !seenSdk.includes(name))).toEqual(failureOnly);

      // A query on a completed run replays its whole history on this worker (nothing is cached),
      // then evicts it again: the worker answered it and the eviction count grew.
      const evictions = total(samples, 'temporal_sticky_cache_total_forced_eviction_total');
      const answered = { operation: 'RespondQueryTaskCompleted' };
      const queries = total(samples, 'temporal_request_total', answered);
      expect((await queryStatus(baton, workflowId)).state).toBe('completed');
      const again = await waitFor(
        () => scrape(worker.url),
        (s) =>
          total(s.samples, 'temporal_request_total', answered) > queries &&
          total(s.samples, 'temporal_sticky_cache_total_forced_eviction_total') > evictions,
      );
      expect(counters(again.samples)).toEqual(counters(samples));

      // A failing phase: Baton's failure counter and the SDK's failure metrics appear.
      const failed = await startRun(baton, {
        definition: definition([{ id: 'x', agent: 'fatal' }], { name: 'metrics-failing' }),
        agents: ['fatal'],
        id: uniqueId('metrics-fail'),
      });
      await waitForResult(baton, failed.workflowId).catch(() => undefined);
      const failing = await waitFor(
        () => scrape(worker.url),
        // The SDK counts the run's failure once the server took its last workflow task, which can
        // be after the client saw the run fail: wait for both.
        (s) => {
          const declared = declaredTypes(s.text);
          return (
            total(s.samples, 'baton_phase_failures_total') > 0 && failureOnly.every((n) => declared.has(n))
          );
        },
      );
      expect(
        total(failing.samples, 'baton_phase_failures_total', {
          template: 'metrics-failing',
          phase: 'x',
          agent: 'fatal',
        }),
      ).toBe(1);
      const failingTypes = declaredTypes(failing.text);
      expect(failureOnly.filter((name) => !failingTypes.has(name))).toEqual([]);

      // A phase that fails twice, then succeeds: two retries; its run's notification fails.
      const retried = await startRun(baton, {
        definition: definition([{ id: 'r', agent: 'flaky' }], { name: 'metrics-retries' }),
        agents: ['flaky'],
        id: uniqueId('metrics-retries'),
      });
      expect((await waitForResult(baton, retried.workflowId)).state).toBe('completed');
      const last = await waitFor(
        () => scrape(worker.url),
        (s) => total(s.samples, 'baton_notification_failures_total') > 0,
      );
      const retries = { template: 'metrics-retries', phase: 'r', agent: 'flaky' };
      expect(total(last.samples, 'baton_phase_retries_total', retries)).toBe(2);
      expect(total(last.samples, 'baton_phase_failures_total', retries)).toBe(0);
      expect(
        total(last.samples, 'baton_notification_failures_total', {
          template: 'metrics-retries',
          event: 'run.completed',
        }),
      ).toBe(1);
      expect(total(last.samples, 'baton_notification_failures_total')).toBe(1);
    } finally {
      await baton.close();
    }
  });
});
