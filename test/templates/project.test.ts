import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { createApi } from '../../src/client/api';
import { startRun, waitForResult } from '../../src/client/runs';
import { useWorker, waitForGate } from '../helpers/env';
import type { Json } from '../helpers/template-run';

const shared = useWorker({ prefix: 'project', agents: builtinAgents() });

describe('project template (seed 000 hybrid flow)', () => {
  it('runs offline end to end: human gates, parallel specialists merged and verified, a security scan, deploy', async () => {
    const { workflowId } = await startRun(shared.baton, {
      template: 'project',
      params: {
        feature: 'Implement a books API with a web page listing books, and tests',
        environment: 'prod',
      },
    });
    const api = createApi({ baton: shared.baton });
    // The human stages: requirements, architecture, then the mandatory integration review.
    for (const phase of ['requirements', 'architecture', 'integration-review']) {
      await waitForGate(shared.baton, workflowId, phase);
      await api.decide({ id: workflowId, decision: { phase, action: 'approve', by: 'dev-lead' } });
    }
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state, summary.reason).toBe('completed');
    const implement = summary.phases.find((p) => p.id === 'implement') as Json;
    expect(implement.parallel.tasks.map((t: Json) => [t.id, t.state])).toEqual([
      ['backend', 'done'],
      ['frontend', 'done'],
      ['tests', 'done'],
    ]);
    expect(implement.parallel.verify).toMatchObject({ state: 'passed' });
    expect(summary.outputs.security).toMatchObject({ total: 0, worst: 'none' });
    expect(summary.outputs.deploy).toBeDefined();
    expect(summary.decisions.map((d) => d.phase)).toEqual([
      'requirements',
      'architecture',
      'integration-review',
    ]);
  }, 60_000);

  it('refuses a bad environment param, naming it', async () => {
    await expect(
      startRun(shared.baton, { template: 'project', params: { feature: 'x', environment: 'Prod Env' } }),
    ).rejects.toThrow(/environment/);
    await expect(startRun(shared.baton, { template: 'project', params: {} })).rejects.toThrow(/feature/);
  });
});
