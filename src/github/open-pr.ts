/**
 * Opening a run's pull request: push its branch from the user's repository to the remote, then
 * ask GitHub for the pull request (or find the open one). What `baton pr` and the `pull-request`
 * agent both do; they differ only in how they find the repository and write the body.
 */
import { apiUrlFor, createPullRequest, defaultBranch, tokenFrom, type GitHubApiOptions } from './api';
import type { OpenedPullRequest } from './result';
import { GitHubError } from './errors';
import { hasBranch, pushBranch, readRemote } from './remote';

export interface OpenPullRequestInput {
  /** The user's repository (a local clone with the remote). */
  repoDir: string;
  /** The branch to push and open the pull request from: `baton/<run id>`. */
  branch: string;
  title: string;
  body: string;
  draft?: boolean;
  /** The remote to push to and read the GitHub repository from (default `origin`). */
  remote?: string;
  /** The branch to merge into (default: the repository's default branch on GitHub). */
  base?: string;
  /** Where GITHUB_TOKEN and GITHUB_API_URL are read (default: process.env). */
  env?: Record<string, string | undefined>;
  retry?: GitHubApiOptions['retry'];
  signal?: AbortSignal;
}

export { OpenedPullRequestSchema, type OpenedPullRequest } from './result';

export async function openPullRequest(input: OpenPullRequestInput): Promise<OpenedPullRequest> {
  const { repoDir, branch, remote = 'origin', env = process.env } = input;
  // Everything that can be checked here is, before anything is pushed.
  const token = tokenFrom(env);
  const repo = await readRemote(repoDir, remote);
  if (!(await hasBranch(repoDir, branch))) {
    throw new GitHubError('PushFailed', `The repository ${repoDir} has no branch ${branch} yet.`, {
      hint: 'The run publishes it once its first phase is merged; try again then.',
    });
  }
  const api: GitHubApiOptions = {
    token,
    apiUrl: apiUrlFor(repo.host, env),
    ...(input.retry && { retry: input.retry }),
    ...(input.signal && { signal: input.signal }),
  };
  const base = input.base ?? (await defaultBranch(api, repo));
  await pushBranch(repoDir, remote, branch);
  const pr = await createPullRequest(api, repo, {
    head: branch,
    base,
    title: input.title,
    body: input.body,
    draft: input.draft ?? false,
  });
  return { ...pr, repository: `${repo.owner}/${repo.repo}`, branch, base };
}
