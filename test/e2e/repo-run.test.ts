import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { startRun, waitForResult } from '../../src/client/runs';
import { createTestWorker, testBaton, uniqueId, useWorker, waitFor } from '../helpers/env';
import { loadTemplate } from '../../src/client/templates';
import { WORKFLOW_TYPE } from '../../src/shared/messages';
import { checkoutState, makeUserRepo, userGit } from '../helpers/user-repo';

const exec = promisify(execFile);

const shared = useWorker({ prefix: 'repo-run', agents: builtinAgents() });

/** The commits of `branch` on top of `base`, oldest first, with their messages. */
async function commitsOn(dir: string, base: string, branch: string): Promise<string[]> {
  const out = await userGit(dir, ['log', '--reverse', '--format=%H %B%x00', `${base}..${branch}`]);
  return out
    .split('\0')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

describe("runs on the user's repository (--repo)", () => {
  it('node-express-api leaves its work on baton/<id>, one commit per phase on top of the base, and never touches the dirty checkout', async () => {
    const repo = await makeUserRepo();
    const before = await checkoutState(repo.dir);
    const { workflowId } = await startRun(shared.baton, {
      template: 'node-express-api',
      params: { service: 'library', resources: 'books,authors' },
      approvalMode: 'auto',
      repo: repo.dir,
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(await checkoutState(repo.dir)).toEqual(before);

    const branch = `baton/${workflowId}`;
    expect(summary.result?.branch).toMatchObject({
      name: branch,
      repo: repo.dir,
      base: 'HEAD',
      commit: repo.head,
    });
    const commits = await commitsOn(repo.dir, repo.head, branch);
    expect(commits).toHaveLength(summary.phases.length);
    for (const [i, phase] of summary.phases.entries()) {
      expect(commits[i]).toContain(`baton: ${phase.id} (`);
      expect(commits[i]).toContain(`Baton-Key: ${workflowId}/`);
      expect(commits[i]?.slice(0, 40)).toBe(phase.commit);
    }
    // The branch holds the user's committed project plus the generated one, not the dirty changes.
    const tree = await userGit(repo.dir, ['ls-tree', '-r', '--name-only', branch]);
    expect(tree).toContain('src/index.js');
    expect(tree).toContain('app/src/handlers/books.js');
    expect(tree).not.toContain('staged.txt');
    expect(await userGit(repo.dir, ['show', `${branch}:README.md`])).toBe('# Library\n\nOur project.\n');
    // Only the run's branch reached the user's repository: the phase branches stayed in the clone.
    expect(
      (await userGit(repo.dir, ['branch', '--format=%(refname:short)'])).trim().split('\n').sort(),
    ).toEqual([branch, 'main'].sort());
  });

  it('--base starts from an older commit, and --out exports a tree that builds', async () => {
    const repo = await makeUserRepo();
    const out = join(await mkdtemp(join(tmpdir(), 'baton-out-')), 'api');
    const { workflowId } = await startRun(shared.baton, {
      template: 'node-express-api',
      params: { service: 'library', resources: 'loans' },
      approvalMode: 'auto',
      repo: repo.dir,
      base: repo.first,
      out,
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const tree = await userGit(repo.dir, ['ls-tree', '-r', '--name-only', `baton/${workflowId}`]);
    expect(tree).not.toContain('src/index.js');
    expect(summary.result?.out?.dir).toBe(out);
    const exported = await readdir(out);
    expect(exported.sort()).toEqual(['README.md', 'app', 'reports', 'spec']);
    expect(exported).not.toContain('.baton');
    // The exported project builds and its tests pass, outside Baton.
    const { stdout } = await exec(process.execPath, ['--test', '--test-reporter=tap'], {
      cwd: join(out, 'app'),
    });
    expect(stdout).toMatch(/^# fail 0$/m);
    expect(Number(/^# pass (\d+)$/m.exec(stdout)?.[1])).toBeGreaterThan(0);
  });

  const PARAMS: Record<string, Record<string, string>> = {
    sdlc: {},
    'feature-parallel': { feature: 'Add a books API with a web page listing books, and tests' },
    research: { query: 'library answer' },
  };
  it.each(Object.keys(PARAMS))('%s works on --repo', async (template) => {
    const repo = await makeUserRepo();
    const before = await checkoutState(repo.dir);
    const { workflowId } = await startRun(shared.baton, {
      template,
      params: PARAMS[template],
      approvalMode: 'auto',
      repo: repo.dir,
    });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    expect(await checkoutState(repo.dir)).toEqual(before);
    const commits = await commitsOn(repo.dir, repo.head, `baton/${workflowId}`);
    expect(commits.length).toBeGreaterThanOrEqual(summary.phases.length);
    if (template === 'research') {
      // Offline, research searches the workspace: the user's own files.
      const found = (summary.outputs.research as { results: Array<{ name: string }> }).results.map(
        (r) => r.name,
      );
      expect(found).toContain('src/index.js');
    }
    expect(commits.at(-1)?.slice(0, 40)).toBe(
      (await userGit(repo.dir, ['rev-parse', `baton/${workflowId}`])).trim(),
    );
  });

  it('refuses, before any run exists, a path that is not a repository, a base that does not exist, a taken branch and a non-empty --out', async () => {
    const repo = await makeUserRepo();
    const plain = await mkdtemp(join(tmpdir(), 'baton-not-a-repo-'));
    const full = await mkdtemp(join(tmpdir(), 'baton-full-'));
    await writeFile(join(full, 'keep.txt'), 'mine\n');
    await userGit(repo.dir, ['branch', 'baton/taken']);
    await mkdir(join(plain, 'sub'));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ repo: plain }, /is not a git repository/],
      [{ repo: join(plain, 'missing') }, /no such directory/],
      [
        { repo: repo.dir, base: 'no-such-branch' },
        /--base "no-such-branch" does not name a commit.*branches include: .*main/,
      ],
      [{ repo: repo.dir, id: 'taken' }, /Branch "baton\/taken" already exists/],
      [{ repo: repo.dir, out: full }, /--out ".*" is not empty \(it holds "keep.txt"\)/],
      [{ base: 'main' }, /--base "main" needs --repo/],
    ];
    for (const [options, message] of cases) {
      const id = (options.id as string | undefined) ?? `refused-${Math.random().toString(36).slice(2, 8)}`;
      await expect(
        startRun(shared.baton, { template: 'sdlc', approvalMode: 'auto', ...options, id }),
      ).rejects.toThrow(message);
      // No run was left behind.
      await expect(shared.baton.client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
    }
    expect(await readdir(full)).toEqual(['keep.txt']);
  });
});

describe("a --repo run and the worker's machine", () => {
  it('is refused at start when every worker polling the queue runs on another host', async () => {
    const taskQueue = uniqueId('repo-elsewhere');
    const baton = await testBaton(taskQueue);
    const { worker, close } = await createTestWorker({
      taskQueue,
      agents: builtinAgents(),
      identity: '4242@build-farm-7',
    });
    const running = worker.run();
    try {
      const repo = await makeUserRepo();
      // The server lists a poller once it has polled.
      await waitFor(
        async () =>
          (
            await baton.client.workflowService.describeTaskQueue({
              namespace: baton.namespace,
              taskQueue: { name: taskQueue },
              taskQueueType: 1,
            })
          ).pollers ?? [],
        (pollers) => pollers.length > 0,
      );
      const id = uniqueId('elsewhere');
      await expect(
        startRun(baton, { template: 'sdlc', approvalMode: 'auto', repo: repo.dir, id }),
      ).rejects.toThrow(/workers on task queue .* run on "build-farm-7", which cannot reach it/);
      await expect(baton.client.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
      expect(await userGit(repo.dir, ['branch', '--list', 'baton/*'])).toBe('');
    } finally {
      worker.shutdown();
      await running;
      await close();
      await baton.close();
    }
  });

  it('fails at once, naming both hosts, when the worker cannot reach the repository', async () => {
    const repo = await makeUserRepo();
    // What a client on another machine sends: its own host, and a path only it has.
    const handle = await shared.baton.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: shared.taskQueue,
      workflowId: uniqueId('unreachable'),
      args: [
        {
          definition: await loadTemplate('sdlc'),
          approvalMode: 'auto',
          repo: {
            path: '/home/ada/projects/library',
            base: 'HEAD',
            commit: repo.head,
            branch: 'baton/x',
            host: 'ada-laptop',
          },
        },
      ],
    });
    const failure = await handle.result().then(
      () => 'completed',
      (error: { cause?: { message?: string } }) => error.cause?.message,
    );
    expect(failure).toMatch(
      /cannot work on --repo \/home\/ada\/projects\/library: The repository .* does not exist on the worker's machine\. The run was started on host "ada-laptop" and this worker runs on ".+": --repo needs a worker on the machine that has the repository/,
    );
  });
});
