import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { connect, type Baton } from '../../src/client/runs';
import { startPostgresTemporal, type PostgresTemporal } from '../../src/dev/postgres';
import { uniqueId } from '../helpers/env';
import { killHard, spawnWorker } from '../helpers/processes';

/**
 * Temporal on PostgreSQL for one test file: started before its tests (about 10 s once the Go
 * binaries are built), stopped after, with worker processes on it (test/helpers/worker-process.ts).
 */
export function usePostgresTemporal() {
  const shared = { temporal: undefined as unknown as PostgresTemporal };
  const workers: ChildProcess[] = [];
  const batons: Baton[] = [];
  beforeAll(async () => {
    shared.temporal = await startPostgresTemporal({ ui: false });
  }, 600_000);
  afterAll(async () => {
    await Promise.all(workers.splice(0).map(killHard));
    await Promise.all(batons.splice(0).map((b) => b.close()));
    await shared.temporal?.stop();
  });
  return {
    get temporal() {
      return shared.temporal;
    },
    /** A task queue and workspace of the test's own, a client on it, and one worker process polling it. */
    async start(prefix: string) {
      const taskQueue = uniqueId(prefix);
      const workspaceRoot = await mkdtemp(join(tmpdir(), `baton-${prefix}-`));
      const address = shared.temporal.address;
      const worker = await spawnWorker({
        address,
        taskQueue,
        workspaceRoot,
        bundlePath: inject('workflowBundlePath'),
      });
      workers.push(worker);
      const baton = await connect({ address, taskQueue });
      batons.push(baton);
      return { baton, workspaceRoot };
    },
  };
}
