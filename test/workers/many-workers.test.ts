import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/activities/workspace';
import { decide, startRun, waitForResult } from '../../src/client/runs';
import { testAgents } from '../helpers/agents';
import { definition, waitFor, waitForGate } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';

const exec = promisify(execFile);
const agents = testAgents().map((a) => a.name);
const workers = useWorkerProcesses();

/** Every `Baton-Key` trailer in the workspace's history, one entry per commit that carries it. */
async function phaseKeys(workspace: string): Promise<string[]> {
  const { stdout } = await exec('git', ['log', '--all', '--format=%B%x00'], { cwd: workspace });
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('Baton-Key: '))
    .map((line) => line.slice('Baton-Key: '.length).trim());
}

describe('three workers on one task queue, one SIGKILLed', () => {
  it(
    'spreads phases by --concurrency, and every run completes with no phase run twice',
    { timeout: 180_000 },
    async () => {
      const { env, baton, spawnOne } = await workers.start('many', { WORKER_CONCURRENCY: '1' });
      const pool = await Promise.all([spawnOne(), spawnOne(), spawnOne()]);

      // Runs waiting at a gate (their first phase done) when the worker dies.
      const gated = await Promise.all(
        [1, 2, 3].map(() =>
          startRun(baton, {
            agents,
            definition: definition([
              { id: 'draft', agent: 'echo', approval: true },
              { id: 'ship', agent: 'echo', needs: ['draft'] },
            ]),
          }),
        ),
      );
      for (const run of gated) await waitForGate(baton, run.workflowId, 'draft');

      // Runs whose phase is running when the worker dies: four, for three slots in all.
      const held = await Promise.all(
        [1, 2, 3, 4].map(() =>
          startRun(baton, {
            agents,
            definition: definition([
              {
                id: 'work',
                agent: 'hold',
                heartbeatTimeout: '2s',
                retry: { maxAttempts: 5, initialInterval: '100ms' },
              },
              { id: 'after', agent: 'echo', needs: ['work'] },
            ]),
          }),
        ),
      );
      const workspaces = held.map((r) => workspaceOf(env.workspaceRoot, r.workflowId, r.firstRunId));
      const started = (ws: string) =>
        readFile(join(ws, 'work.started.1'), 'utf8').then(
          (pid) => Number(pid),
          () => undefined,
        );
      const runners = await waitFor(
        () => Promise.all(workspaces.map(started)),
        (pids) => pids.filter((p) => p !== undefined).length === 3,
      );
      // One slot per worker: each runs one held phase, and the fourth waits for a free slot.
      const pids = runners.filter((p): p is number => p !== undefined);
      expect(new Set(pids)).toEqual(new Set(pool.map((w) => w.pid)));
      await new Promise((r) => setTimeout(r, 1000));
      expect((await Promise.all(workspaces.map(started))).filter((p) => p !== undefined)).toHaveLength(3);

      // Kill the worker running the first held phase, mid-phase, while three runs wait at gates.
      const victimRun = runners.findIndex((p) => p !== undefined);
      const victim = pool.find((w) => w.pid === runners[victimRun]);
      await killHard(victim!);
      await Promise.all(workspaces.map((ws) => writeFile(join(ws, 'release'), 'go')));
      for (const run of gated)
        await decide(baton, run.workflowId, { phase: 'draft', action: 'approve', by: 'alice' });

      const results = await Promise.all(
        [...gated, ...held].map((r) => waitForResult(baton, r.workflowId)),
      );
      expect(results.map((s) => s.state)).toEqual(Array(7).fill('completed'));
      // The killed phase ran again on a surviving worker; the others ran once.
      const victimFiles = await readdir(workspaces[victimRun]!);
      expect(victimFiles).toContain('work.started.2');

      // Each phase run committed once: no idempotency key twice in any workspace.
      const all = [
        ...gated.map((r) => workspaceOf(env.workspaceRoot, r.workflowId, r.firstRunId)),
        ...workspaces,
      ];
      for (const ws of all) {
        const keys = await phaseKeys(ws);
        expect(keys.length).toBe(2);
        expect(new Set(keys).size).toBe(keys.length);
      }
    },
  );
});
