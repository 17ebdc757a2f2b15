import { existsSync, readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, it, inject } from 'vitest';
import { workflowBundleFile } from '../../src/workers/bundle-file';
import { DEFAULT_MAX_CACHED_WORKFLOWS, workflowCacheOptions } from '../../src/workers/tuning';
import { createBatonWorker } from '../../src/workers/worker';

describe('the worker cache settings', () => {
  it('reads BATON_MAX_CACHED_WORKFLOWS, keeping workflow-task slots within the cache', () => {
    expect(workflowCacheOptions({})).toEqual({
      maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: 40,
    });
    expect(workflowCacheOptions({ BATON_MAX_CACHED_WORKFLOWS: '0' })).toEqual({
      maxCachedWorkflows: 0,
      maxConcurrentWorkflowTaskExecutions: 40,
    });
    expect(workflowCacheOptions({ BATON_MAX_CACHED_WORKFLOWS: '10' })).toEqual({
      maxCachedWorkflows: 10,
      maxConcurrentWorkflowTaskExecutions: 10,
    });
    for (const bad of ['1', 'lots', '-3', '2.5'])
      expect(() => workflowCacheOptions({ BATON_MAX_CACHED_WORKFLOWS: bad })).toThrow(
        `BATON_MAX_CACHED_WORKFLOWS="${bad}" is not a cache size`,
      );
  });

  it('the production worker takes them, and bundles its workflows in a child process', async () => {
    const { codePath } = await workflowBundleFile();
    expect(existsSync(codePath)).toBe(true);
    expect(readFileSync(codePath, 'utf8')).toContain('importWorkflows');
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createBatonWorker({ connection, taskQueue: 'tuning-test', maxCachedWorkflows: 12 });
    // Run and stop it, so it lets go of the connection, before anything is asserted.
    const running = worker.run();
    while (worker.getState() !== 'RUNNING') await new Promise((r) => setTimeout(r, 10));
    worker.shutdown();
    await running;
    await connection.close();
    expect(worker.options.maxCachedWorkflows).toBe(12);
    expect(worker.options.tuner.workflowTaskSlotSupplier).toMatchObject({ type: 'fixed-size', numSlots: 12 });
  }, 120_000);
});
