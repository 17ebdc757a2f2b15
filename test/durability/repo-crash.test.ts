import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { startRun, waitForResult } from '../../src/client/runs';
import type { DefinitionInput } from '../../src/shared/definition';
import { queryStatus, waitFor } from '../helpers/env';
import { killHard, useWorkerProcesses } from '../helpers/processes';
import { checkoutState, makeUserRepo, userGit } from '../helpers/user-repo';
import { parallelAgents } from '../parallel/agents';

const workers = useWorkerProcesses();

describe('a worker SIGKILLed during a --repo run', () => {
  it(
    'resumes on a new worker: the branch gets each phase once, in order, and the checkout is untouched',
    { timeout: 180_000 },
    async () => {
      const { env, baton, spawnOne } = await workers.start('repo-crash');
      const repo = await makeUserRepo();
      const before = await checkoutState(repo.dir);
      const release = join(await mkdtemp(join(tmpdir(), 'baton-rrelease-')), 'go');
      const definition = {
        name: 'repo-crash',
        phases: [
          { id: 'first', agent: 'write-files', input: { files: { 'one.txt': '1\n' } } },
          {
            id: 'second',
            agent: 'write-files',
            needs: ['first'],
            heartbeatTimeout: '2s',
            retry: { maxAttempts: 5, initialInterval: '100ms' },
            input: { files: { 'two.txt': '2\n' }, holdUntil: release },
          },
          { id: 'third', agent: 'write-files', needs: ['second'], input: { files: { 'three.txt': '3\n' } } },
        ],
      } as DefinitionInput;
      const { workflowId } = await startRun(baton, {
        definition,
        agents: parallelAgents().map((a) => a.name),
        repo: repo.dir,
      });
      const branch = `baton/${workflowId}`;

      // Kill the worker while "second" runs: "first" is already on the user's branch.
      const first = await spawnOne();
      await waitFor(
        () => queryStatus(baton, workflowId),
        (s) => s.phases[1]?.state === 'running',
      );
      await killHard(first);
      expect(await userGit(repo.dir, ['show', `${branch}:one.txt`])).toBe('1\n');
      await writeFile(release, '');

      await spawnOne();
      const summary = await waitForResult(baton, workflowId);
      expect(summary.state).toBe('completed');
      const subjects = (
        await userGit(repo.dir, ['log', '--reverse', '--format=%s', `${repo.head}..${branch}`])
      )
        .trim()
        .split('\n');
      expect(subjects.map((s) => s.split(' ')[1])).toEqual(['first', 'second', 'third']);
      expect((await userGit(repo.dir, ['rev-parse', branch])).trim()).toBe(summary.phases[2]?.commit);
      expect(await checkoutState(repo.dir)).toEqual(before);

      const history = await baton.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: env.bundlePath } }, history, workflowId);
      await baton.close();
    },
  );
});
