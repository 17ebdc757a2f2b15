import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/github/errors';
import { openPullRequest, type OpenPullRequestInput } from '../../src/github/open-pr';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github';
import { addGitHubRemote, commitToBranch, git } from '../helpers/github-remote';
import { makeUserRepo } from '../helpers/user-repo';

const BRANCH = 'baton/run-1';
/** Short waits between attempts, so retries take milliseconds. */
const FAST = { attempts: 3, baseMs: 10 };

let root: string;
let repo: string;
let bare: string;
let github: FakeGitHub;
let env: Record<string, string>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'baton-pr-'));
  repo = (await makeUserRepo()).dir;
  bare = await addGitHubRemote(repo, root);
  await commitToBranch(repo, BRANCH, 'books.js', 'export const books = [];\n');
  github = await startFakeGitHub({ owner: 'acme', repo: 'library', remoteDir: bare });
  env = { GITHUB_TOKEN: github.token, GITHUB_API_URL: github.url };
});

afterEach(async () => {
  await github.close();
  await rm(root, { recursive: true, force: true });
  await rm(repo, { recursive: true, force: true });
});

const open = (input: Partial<OpenPullRequestInput> = {}) =>
  openPullRequest({
    repoDir: repo,
    branch: BRANCH,
    title: 'Books',
    body: 'The body',
    env,
    retry: FAST,
    ...input,
  });

async function githubError(promise: Promise<unknown>): Promise<GitHubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

const remoteBranch = (name: string) =>
  git(bare, 'rev-parse', '--verify', '--quiet', `refs/heads/${name}`).catch(() => undefined);

describe('openPullRequest', () => {
  it('pushes the branch to the remote and opens one pull request into the default branch', async () => {
    const pr = await open({ draft: true });
    expect(pr).toEqual({
      url: 'https://github.com/acme/library/pull/1',
      number: 1,
      created: true,
      repository: 'acme/library',
      branch: BRANCH,
      base: 'main',
    });
    // The push went through the insteadOf rewrite to the bare repository.
    expect(await remoteBranch(BRANCH)).toBe(await git(repo, 'rev-parse', BRANCH));
    expect(github.pulls).toMatchObject([
      { head: BRANCH, base: 'main', title: 'Books', body: 'The body', draft: true },
    ]);
    const post = github.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/repos/acme/library/pulls');
    expect(post?.headers).toMatchObject({
      authorization: `Bearer ${github.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/library',
      'POST /repos/acme/library/pulls',
    ]);
  });

  it('reports the open pull request on a second call, after pushing the new work', async () => {
    const first = await open();
    const tip = await commitToBranch(repo, BRANCH, 'authors.js', 'export const authors = [];\n');
    const second = await open({ title: 'Books again' });
    expect(second).toMatchObject({ created: false, url: first.url, number: first.number });
    expect(github.pulls).toHaveLength(1);
    expect(await remoteBranch(BRANCH)).toBe(tip);
    expect(github.requests.at(-1)?.path).toBe(
      '/repos/acme/library/pulls?head=acme%3Abaton%2Frun-1&state=open',
    );
  });

  it('uses the base given, without asking for the default branch', async () => {
    const pr = await open({ base: 'develop' });
    expect(pr.base).toBe('develop');
    expect(github.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('names GITHUB_TOKEN when it is not set, and sends nothing', async () => {
    const error = await githubError(open({ env: { GITHUB_API_URL: github.url } }));
    expect(error.kind).toBe('NoToken');
    expect(error.message).toContain('GITHUB_TOKEN is not set');
    expect(github.requests).toEqual([]);
    expect(await remoteBranch(BRANCH)).toBeUndefined();
  });

  it('says the token was refused on a 401, and creates nothing', async () => {
    github.switches.unauthorized = true;
    const error = await githubError(open());
    expect(error.kind).toBe('AuthFailed');
    expect(error.message).toMatch(
      /^GITHUB_TOKEN was refused \(401\) by http:\/\/127\.0\.0\.1:\d+: Bad credentials\.$/,
    );
    expect(error.message).not.toContain(github.token);
    expect(github.pulls).toEqual([]);
    // Refused before the push: nothing went to the remote either.
    expect(await remoteBranch(BRANCH)).toBeUndefined();
  });

  it('retries when the connection drops, then succeeds', async () => {
    github.switches.dropConnections = 2;
    const pr = await open();
    expect(pr.created).toBe(true);
    expect(github.requests.filter((r) => r.dropped)).toHaveLength(2);
    expect(github.pulls).toHaveLength(1);
  });

  it('retries a 503, waiting as Retry-After says', async () => {
    github.switches.fail = { count: 1, status: 503, headers: { 'retry-after': '1' } };
    const started = Date.now();
    const pr = await open();
    expect(pr.created).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives a clear error once the retries are used up', async () => {
    github.switches.dropConnections = 100;
    const error = await githubError(open());
    expect(error.kind).toBe('Unavailable');
    expect(error.message).toMatch(
      /^GitHub at http:\/\/127\.0\.0\.1:\d+ did not answer after 3 attempts \(GET \/repos\/acme\/library failed: .+\)\.$/,
    );
    expect(error.hint).toContain('GITHUB_API_URL');
    expect(github.requests).toHaveLength(3);
  });

  it('refuses a wait for a rate limit longer than it accepts', async () => {
    github.switches.fail = { count: 5, status: 429, headers: { 'retry-after': '3600' } };
    const error = await githubError(open());
    expect(error.kind).toBe('RateLimited');
    expect(error.message).toContain('GitHub asks to wait 3600 s');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(github.requests).toHaveLength(1);
  });

  it("passes on GitHub's message for another 422", async () => {
    const message = `No commits between main and ${BRANCH}`;
    github.switches.fail = {
      count: 1,
      status: 422,
      body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message }] },
    };
    const error = await githubError(open({ base: 'main' }));
    expect(error.kind).toBe('Rejected');
    expect(error.message).toBe(
      `GitHub refused to open a pull request from ${BRANCH} into main of acme/library (422): Validation Failed: ${message}.`,
    );
    expect(github.requests).toHaveLength(1);
  });

  it('says when the branch is not in the repository yet, before pushing anything', async () => {
    await git(repo, 'update-ref', '-d', `refs/heads/${BRANCH}`);
    const error = await githubError(open());
    expect(error.kind).toBe('PushFailed');
    expect(error.message).toContain(`has no branch ${BRANCH} yet`);
    expect(github.requests).toEqual([]);
  });

  it('says when the remote is missing or names no GitHub repository', async () => {
    expect((await githubError(open({ remote: 'upstream' }))).message).toContain('has no remote "upstream"');
    await git(repo, 'remote', 'add', 'local', bare);
    const error = await githubError(open({ remote: 'local' }));
    expect(error.kind).toBe('BadRemote');
    expect(error.message).toContain('does not name a GitHub repository');
  });
});
