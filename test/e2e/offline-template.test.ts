import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createArtifactStore, INLINE_LIMIT_BYTES } from '../../src/store/artifacts';
import { startRun, waitForResult } from '../../src/client/runs';
import type { ArtifactRef } from '../../src/shared/status';
import { testBaton, uniqueId, withWorker } from '../helpers/env';

/** The size of the largest payload (input, result, signal, query answer) in a history. */
function largestPayload(events: unknown[]): number {
  let largest = 0;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if ('data' in record && 'metadata' in record && record.data) {
      const data = record.data as Uint8Array | string;
      largest = Math.max(largest, typeof data === 'string' ? data.length : data.byteLength);
      return;
    }
    for (const child of Object.values(record)) visit(child);
  };
  events.forEach(visit);
  return largest;
}

describe('an offline run of node-express-api', () => {
  it('produces a valid OpenAPI file, code that compiles, review findings and a build result, all as artifacts', async () => {
    const taskQueue = uniqueId('offline');
    const baton = await testBaton(taskQueue);
    const { summary, history, workspaceRoot } = await withWorker(
      { taskQueue, agents: builtinAgents() },
      async ({ workspaceRoot }) => {
        const { workflowId } = await startRun(baton, {
          template: 'node-express-api',
          params: { service: 'shop', resources: 'orders,customers,products' },
          approvalMode: 'auto',
        });
        const summary = await waitForResult(baton, workflowId);
        const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
        return { summary, history, workspaceRoot };
      },
    );
    await baton.close();
    expect(summary.state).toBe('completed');
    // No LLM configured: the LLM-capable agents ran deterministically, and the run says so.
    expect([...summary.agentsWithoutLlm].sort()).toEqual(['api-spec', 'codegen', 'review']);
    expect(summary.usage.calls).toBe(0);
    const store = createArtifactStore(join(workspaceRoot, '.artifacts'));
    const artifactsOf = (phase: string): ArtifactRef[] =>
      summary.phases.find((p) => p.id === phase)?.artifacts ?? [];
    const read = async (phase: string, name: string) => {
      const ref = artifactsOf(phase).find((a) => a.name === name);
      expect(ref, `${phase} artifact ${name}`).toBeDefined();
      return (await store.get(ref!.uri)).toString('utf8');
    };

    const spec = JSON.parse(await read('spec', 'spec/openapi.json'));
    expect(spec.openapi).toMatch(/^3\.0\.\d+$/);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/orders', '/orders/{id}', '/customers', '/products/{id}']),
    );

    const code = artifactsOf('codegen').map((a) => a.name);
    expect(code).toEqual(
      expect.arrayContaining(['app/src/app.js', 'app/src/handlers/orders.js', 'app/test/orders.test.js']),
    );

    const review = JSON.parse(await read('review', 'reports/review.json'));
    expect(review).toMatchObject({ errors: 0, passed: true });
    expect(Array.isArray(review.findings)).toBe(true);

    const buildLog = await read('build', 'reports/build.log');
    expect(buildLog.length).toBeGreaterThan(0);
    expect(summary.outputs.build).toMatchObject({ compiled: true, tests: { failed: 0 } });
    expect((summary.outputs.build as { tests: { passed: number } }).tests.passed).toBeGreaterThan(0);

    // Each phase has its own commit in the run's git workspace.
    const commits = summary.phases.map((p) => p.commit);
    expect(new Set(commits).size).toBe(4);

    // History stays small: files live in the artifact store, history holds refs.
    expect(largestPayload(history.events ?? [])).toBeLessThan(INLINE_LIMIT_BYTES / 2);
  });
});
