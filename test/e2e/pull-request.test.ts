import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAgents } from '../../src/activities/agents';
import { startRun, waitForResult } from '../../src/client/runs';
import type { RunStatus, RunSummary } from '../../src/shared/status';
import { cli } from '../client/cli-helpers';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github';
import { addGitHubRemote, git } from '../helpers/github-remote';
import { useWorker, waitFor } from '../helpers/env';
import { makeUserRepo } from '../helpers/user-repo';

const shared = useWorker({ prefix: 'pull-request', agents: builtinAgents() });
const { baton, json } = cli(shared);

let root: string;
let github: FakeGitHub;
let env: Record<string, string>;
const dirs: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-pr-e2e-'));
  github = await startFakeGitHub({ owner: 'acme', repo: 'library' });
  env = { GITHUB_TOKEN: github.token, GITHUB_API_URL: github.url };
  // The worker runs in this process: the pull-request agent reads its environment.
  Object.assign(process.env, env);
});

afterAll(async () => {
  delete process.env.GITHUB_TOKEN;
  delete process.env.GITHUB_API_URL;
  await github.close();
  await Promise.all([root, ...dirs].map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A user's project (dirty checkout) whose origin is acme/library on "GitHub", pushing to the bare repository. */
async function project(): Promise<{ dir: string; bare: string }> {
  const repo = await makeUserRepo();
  dirs.push(repo.dir);
  return {
    dir: repo.dir,
    bare: await addGitHubRemote(repo.dir, root).catch(() => join(root, 'library.git')),
  };
}

const pullFor = (branch: string) => github.pulls.find((p) => p.head === branch);

describe('baton pr', () => {
  it('opens the pull request of a finished --repo run, with its summary; a second call reports it', async () => {
    const { dir, bare } = await project();
    const started = await baton(
      [
        'start',
        'node-express-api',
        '--param',
        'resources=books,authors',
        '--repo',
        dir,
        '--auto-approve',
        '--wait',
        '--json',
      ],
      env,
    );
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const summary = JSON.parse(started.stdout) as RunSummary;
    expect(summary.state).toBe('completed');
    const id = summary.result!.branch!.name.replace(/^baton\//, '');
    const branch = `baton/${id}`;

    const first = await baton(['pr', id, '--title', 'Library API', '--draft'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const pr = pullFor(branch)!;
    expect(first.stdout).toBe(
      `Opened pull request #${pr.number}: ${pr.html_url}\n  ${branch} → main of acme/library\n`,
    );
    // The branch on the remote is the run's branch in the user's repository.
    expect(await git(bare, 'rev-parse', branch)).toBe(await git(dir, 'rev-parse', branch));
    expect(pr).toMatchObject({ title: 'Library API', draft: true, base: 'main' });
    for (const phase of summary.phases)
      expect(pr.body).toContain(`| ${phase.id} (${phase.title}) | ${phase.agent} | done |`);
    expect(pr.body).toContain('Pipeline **node-express-api**, state **completed**.');
    expect(pr.body).toMatch(/- \*\*approve\*\* at spec&#35;1 by .* \(auto\), /);
    expect(pr.body).toContain('### Review');
    expect(pr.body).toMatch(/- build: compiled \(node v[\d.]+\); tests: [1-9]\d* passed, 0 failed/);
    expect(pr.body).toContain('No LLM calls: every agent worked deterministically.');

    // `json` runs the CLI with this process's environment, which holds the token.
    const again = await json<{ url: string; created: boolean }>(['pr', id]);
    expect(again).toMatchObject({ url: pr.html_url, created: false });
    const text = await baton(['pr', id], env);
    expect(text.stdout).toContain(`A pull request for ${branch} already exists: ${pr.html_url}`);
    expect(github.pulls.filter((p) => p.head === branch)).toHaveLength(1);
  });

  it('works on a running run: it pushes what the branch holds so far', async () => {
    const { dir, bare } = await project();
    const { workflowId } = await startRun(shared.baton, {
      template: 'node-express-api',
      approvalMode: 'manual',
      repo: dir,
    });
    try {
      // The spec phase ran and waits at its gate.
      await waitFor(
        () => shared.baton.client.workflow.getHandle(workflowId).query<RunStatus>('status'),
        (status) => status.gates.length > 0,
      );
      const result = await baton(['pr', workflowId], env);
      expect(result.stderr).toBe('');
      const branch = `baton/${workflowId}`;
      expect(result.stdout).toContain(`Opened pull request #${pullFor(branch)!.number}`);
      expect(await git(bare, 'rev-parse', branch)).toBe(await git(dir, 'rev-parse', branch));
      expect(pullFor(branch)!.body).toContain('state **waiting**');
      expect(pullFor(branch)!.body).toContain('| codegen (Code generation) | codegen | pending |');
    } finally {
      await shared.baton.client.workflow.getHandle(workflowId).cancel();
    }
  });

  it('refuses a run that was not started with --repo, and GitHub is not asked', async () => {
    const { workflowId } = await startRun(shared.baton, {
      template: 'node-express-api',
      approvalMode: 'manual',
    });
    const before = github.requests.length;
    try {
      const result = await baton(['pr', workflowId], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`error: Run "${workflowId}" was not started with --repo`);
      expect(result.stderr).toContain('--repo PATH');
      expect(github.requests.length).toBe(before);
    } finally {
      await shared.baton.client.workflow.getHandle(workflowId).cancel();
    }
  });

  it('names GITHUB_TOKEN when it is missing', async () => {
    const { dir } = await project();
    const { workflowId } = await startRun(shared.baton, {
      template: 'node-express-api',
      approvalMode: 'manual',
      repo: dir,
    });
    try {
      const result = await baton(['pr', workflowId], { GITHUB_TOKEN: '', GITHUB_API_URL: github.url });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('error: GITHUB_TOKEN is not set');
    } finally {
      await shared.baton.client.workflow.getHandle(workflowId).cancel();
    }
  });
});

describe('a pipeline that ends with a pull-request phase', () => {
  it('opens the pull request from the worker, after every phase before it', async () => {
    const { dir, bare } = await project();
    const file = join(root, 'spec-and-pr.yaml');
    await writeFile(
      file,
      [
        'name: spec-and-pr',
        'version: 1',
        'params:',
        '  service: { type: string, default: library }',
        'phases:',
        '  - id: spec',
        '    agent: api-spec',
        '    input: { service: "${params.service}", resources: "books,loans" }',
        '  - id: pr',
        '    agent: pull-request',
        '    needs: [spec]',
        '    input: { title: "Spec for ${params.service}" }',
        '',
      ].join('\n'),
    );
    const { workflowId } = await startRun(shared.baton, { file, approvalMode: 'auto', repo: dir });
    const summary = await waitForResult(shared.baton, workflowId);
    expect(summary.state).toBe('completed');
    const branch = `baton/${workflowId}`;
    const pr = pullFor(branch)!;
    expect(summary.outputs.pr).toEqual({
      url: pr.html_url,
      number: pr.number,
      created: true,
      repository: 'acme/library',
      branch,
      base: 'main',
    });
    expect(pr.title).toBe('Spec for library');
    expect(pr.body).toContain('| spec | api-spec | done | 1 |');
    expect(pr.body).toContain('Written on the worker from the phase commits in this branch');
    // The remote got the branch with the spec phase's commit in it.
    const specCommit = summary.phases.find((p) => p.id === 'spec')!.commit!;
    await git(bare, 'merge-base', '--is-ancestor', specCommit, branch);
    expect(await git(bare, 'show', `${branch}:spec/openapi.json`)).toContain('"/books"');
  });

  it('fails the phase, as bad input, in a run that is not on a repository', async () => {
    const file = join(root, 'pr-only.yaml');
    await writeFile(
      file,
      [
        'name: pr-only',
        'version: 1',
        'phases:',
        '  - id: pr',
        '    agent: pull-request',
        '    input: {}',
        '',
      ].join('\n'),
    );
    const { workflowId } = await startRun(shared.baton, { file, approvalMode: 'auto' });
    await waitForResult(shared.baton, workflowId).catch(() => undefined);
    const status = await shared.baton.client.workflow.getHandle(workflowId).query<RunStatus>('status');
    const phase = status.phases.find((p) => p.id === 'pr')!;
    expect(phase.state).toBe('failed');
    expect(phase.attempts).toBe(1);
    expect(phase.error).toMatchObject({ type: 'Agent.BadInput' });
    expect(phase.error?.message).toContain('the pull-request agent works only in a run started with --repo');
  });
});
