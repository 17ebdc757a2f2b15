import { describe, expect, it } from 'vitest';
import { createApi } from '../../src/client/api';
import { waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { queryStatus, uniqueId, useWorker, waitFor } from '../helpers/env';
import { cli } from '../client/cli-helpers';
import { monitorAgents, startDefinition } from './monitor-helpers';

const shared = useWorker({ prefix: 'monitor-eta', agents: monitorAgents() });
const { spawnBaton } = cli(shared);

/** Two phases in a row, each sleeping its own time: a run of it takes about a + b. */
const twoPhases = (name: string, a: number, b: number): DefinitionInput => ({
  name,
  phases: [
    { id: 'a', agent: 'sleep', input: { ms: a } },
    { id: 'b', agent: 'sleep', needs: ['a'], input: { ms: b } },
  ],
});

const api = () => createApi({ baton: shared.baton });

async function completedRuns(template: string): Promise<number> {
  let n = 0;
  const query = `BatonTemplate = '${template}' AND ExecutionStatus = 'Completed'`;
  for await (const _run of shared.baton.client.workflow.list({ query })) n++;
  return n;
}

describe('ETA from past runs', { timeout: 180_000 }, () => {
  it('a run after three completed ones gets an ETA within their range; status --watch shows it', async () => {
    const template = uniqueId('eta');
    const durations = [
      [1000, 1000],
      [2000, 2000],
      [3000, 3000],
    ] as const;
    const past = await Promise.all(
      durations.map(async ([a, b], i) => {
        const id = uniqueId(`eta-past-${i}`);
        await startDefinition(shared.baton, id, twoPhases(template, a, b));
        return waitForResult(shared.baton, id);
      }),
    );
    const totals = past.map((s) =>
      s.phases.reduce((sum, p) => sum + (Date.parse(p.endedAt!) - Date.parse(p.startedAt!)), 0),
    );
    // Visibility is eventually consistent: wait until it lists all three as completed.
    await waitFor(
      () => completedRuns(template),
      (n) => n === 3,
    );

    const id = uniqueId('eta-now');
    await startDefinition(shared.baton, id, twoPhases(template, 60_000, 1000));
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]?.state === 'running',
    );
    const { status, eta } = await api().progress({ id });
    expect(eta.basedOnRuns).toBe(3);
    expect(eta.missing).toEqual([]);
    expect(eta.remainingMs).toBeDefined();
    const elapsed = Date.now() - Date.parse(status.phases[0]!.startedAt!);
    // What the run is predicted to take in all: what phase a has run so far, plus the ETA.
    const predicted = Math.min(elapsed, 2000) + eta.remainingMs!;
    expect(predicted).toBeGreaterThanOrEqual(Math.min(...totals) - 100);
    expect(predicted).toBeLessThanOrEqual(Math.max(...totals) + 100);

    const watch = spawnBaton(['status', id, '--watch']);
    try {
      await waitFor(
        async () => watch.output.stdout,
        (out) => /progress \[[█░]{20}\]\s+0% {2}0\/2 phases {2}ETA \d/.test(out),
        30_000,
      );
      expect(watch.output.stdout).toContain(
        'median of the last 3 completed runs per phase; gate waits not included',
      );
      // Not a terminal: plain text, no escape codes.
      expect(watch.output.stdout).not.toContain('\x1b[');
    } finally {
      watch.child.kill();
      await shared.baton.client.workflow.getHandle(id).cancel();
    }
  });

  it('a template with no history has no ETA, and says which phase lacks one', async () => {
    const id = uniqueId('eta-none');
    await startDefinition(shared.baton, id, twoPhases(uniqueId('eta-fresh'), 60_000, 10));
    await waitFor(
      () => queryStatus(shared.baton, id),
      (s) => s.phases[0]?.state === 'running',
    );
    const { eta } = await api().progress({ id });
    expect(eta).toMatchObject({ basedOnRuns: 0, missing: ['a', 'b'] });
    expect(eta.remainingMs).toBeUndefined();

    const watch = spawnBaton(['status', id, '--watch']);
    try {
      await waitFor(
        async () => watch.output.stdout,
        (out) => out.includes('ETA — (no past run finished "a", "b")'),
        30_000,
      );
    } finally {
      watch.child.kill();
      await shared.baton.client.workflow.getHandle(id).cancel();
    }
  });
});
