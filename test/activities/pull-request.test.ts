import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pullRequestAgent } from '../../src/activities/agents/pull-request';
import { commitPhase, resultPath } from '../../src/activities/workspace';
import { AGENT_INPUTS } from '../../src/shared/agent-inputs';
import { WORKSPACE_CONFIG } from '../../src/shared/repo-target';
import { agentContext, failureOf } from '../helpers/agent-context';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github';
import { addGitHubRemote, git } from '../helpers/github-remote';
import { makeUserRepo } from '../helpers/user-repo';

const RUN = { workflowId: 'wf-pr', runId: 'run-1' };
const BRANCH = 'baton/wf-pr';

let root: string;
let repo: string;
let bare: string;
let workspace: string;
let github: FakeGitHub;

/** A phase run as run-agent.ts leaves it: its result under .baton/results/, in a commit with its Baton-Key. */
async function phaseRun(
  phase: string,
  agent: string,
  output: unknown,
  usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 },
) {
  await writeFile(join(workspace, `${phase}.txt`), `${phase}\n`);
  const file = join(workspace, resultPath(phase, 1));
  await mkdir(dirname(file), { recursive: true });
  const saved = {
    output,
    attempt: 2,
    startedAt: '2026-01-01T10:00:00.000Z',
    endedAt: '2026-01-01T10:00:03.000Z',
    usage,
    stored: [],
  };
  await writeFile(file, JSON.stringify(saved));
  return commitPhase(workspace, { ...RUN, phase, run: 1, attempt: 2, agent });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-pr-agent-'));
  repo = (await makeUserRepo()).dir;
  bare = await addGitHubRemote(repo, root);
  // The run's workspace: a clone of the user's repository, told where it came from, as a --repo run's is.
  workspace = join(root, 'workspace');
  await git(root, 'clone', '-q', repo, workspace);
  await git(workspace, 'config', WORKSPACE_CONFIG.source, repo);
  await git(workspace, 'config', WORKSPACE_CONFIG.branch, BRANCH);
  github = await startFakeGitHub({ owner: 'acme', repo: 'library', remoteDir: bare });
  vi.stubEnv('GITHUB_TOKEN', github.token);
  vi.stubEnv('GITHUB_API_URL', github.url);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await github.close();
  await rm(root, { recursive: true, force: true });
  await rm(repo, { recursive: true, force: true });
});

const context = () => agentContext(workspace, { ...RUN, phase: 'pr' });
const run = (input: Record<string, unknown> = {}) =>
  pullRequestAgent.run(AGENT_INPUTS['pull-request'].parse(input), context());

describe('the pull-request agent', () => {
  it("publishes the workspace's HEAD, pushes the branch and opens the pull request with the phases before it", async () => {
    await phaseRun(
      'spec',
      'api-spec',
      { specPath: 'spec/openapi.json' },
      { inputTokens: 900, outputTokens: 100, costUsd: 0.02, calls: 1 },
    );
    await phaseRun('review', 'review', {
      findings: [{ file: 'app/a.js', line: 3, severity: 'warning', rule: 'todo', message: 'TODO left' }],
      errors: 0,
      warnings: 1,
      passed: true,
      reportPath: 'reports/review.json',
      omitted: 0,
    });
    const head = await git(workspace, 'rev-parse', 'HEAD');

    const pr = await run({ title: 'Library API', draft: true });

    expect(pr).toEqual({
      url: 'https://github.com/acme/library/pull/1',
      number: 1,
      created: true,
      repository: 'acme/library',
      branch: BRANCH,
      base: 'main',
    });
    expect(await git(repo, 'rev-parse', BRANCH)).toBe(head);
    expect(await git(bare, 'rev-parse', BRANCH)).toBe(head);
    const [made] = github.pulls;
    expect(made).toMatchObject({ title: 'Library API', draft: true, head: BRANCH, base: 'main' });
    expect(made?.body).toContain('## Baton run wf-pr');
    expect(made?.body).toContain('Written on the worker from the phase commits in this branch');
    expect(made?.body).toContain('| spec | api-spec | done | 2 | 3.0 s | 1,000 |');
    expect(made?.body).toContain('| review | review | done | 2 | 3.0 s |  |');
    expect(made?.body).toContain('- warning app/a.js:3 (todo): TODO left');
    expect(made?.body).toContain('1,000 tokens (900 in, 100 out) over 1 LLM calls; cost $0.0200.');
    // The phase order is the run's: spec before review.
    expect(made!.body.indexOf('| spec |')).toBeLessThan(made!.body.indexOf('| review |'));
  });

  it('reports the open pull request when it runs again (a retry)', async () => {
    await phaseRun('spec', 'api-spec', {});
    const first = await run();
    const second = await run();
    expect(second).toMatchObject({ created: false, url: first.url });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]?.title).toBe('Baton: run wf-pr');
  });

  it('does not push over a branch the run published further already', async () => {
    await phaseRun('spec', 'api-spec', {});
    const older = await git(workspace, 'rev-parse', 'HEAD~1');
    await git(workspace, 'push', '-q', repo, `HEAD:refs/heads/${BRANCH}`);
    await git(workspace, 'reset', '-q', '--hard', older);
    await run();
    expect(await git(repo, 'rev-parse', BRANCH)).not.toBe(older);
    expect(github.pulls).toHaveLength(1);
  });

  it('fails as bad input, never retried, outside a --repo run', async () => {
    await git(workspace, 'config', '--unset', WORKSPACE_CONFIG.source);
    const failure = await failureOf(run());
    expect(failure.type).toBe('Agent.BadInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('the pull-request agent works only in a run started with --repo');
    expect(github.requests).toEqual([]);
  });

  it('fails without retries when the token is missing or refused', async () => {
    vi.stubEnv('GITHUB_TOKEN', '');
    const missing = await failureOf(run());
    expect(missing).toMatchObject({ type: 'Agent.NotConfigured', nonRetryable: true });
    expect(missing.message).toContain('GITHUB_TOKEN is not set');

    vi.stubEnv('GITHUB_TOKEN', 'wrong');
    const refused = await failureOf(run());
    expect(refused).toMatchObject({ type: 'Agent.AuthFailed', nonRetryable: true });
    expect(refused.message).toContain('GITHUB_TOKEN was refused (401)');
    expect(github.pulls).toEqual([]);
  });
});
