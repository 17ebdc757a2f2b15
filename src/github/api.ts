/**
 * The few GitHub REST calls a pull request needs, over global fetch: the repository's default
 * branch, creating a pull request, and finding the open one for a branch. Network failures, 5xx
 * and rate limits are retried with backoff (honouring Retry-After); every other answer becomes a
 * GitHubError that says what to fix. The token never appears in a message.
 */
import { retryAfterMs } from '../activities/retry-after';
import { GitHubError } from './errors';
import type { GitHubRepo } from './remote';

export interface GitHubApiOptions {
  token: string;
  /** The REST API's base URL, e.g. `https://api.github.com`. */
  apiUrl: string;
  /** Attempts per call (default 4), the first backoff (default 500 ms, doubling), the longest wait we accept. */
  retry?: { attempts?: number; baseMs?: number; maxWaitMs?: number };
  /** Per request (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const API_VERSION = '2022-11-28';

/**
 * Where the REST API of a host is: GITHUB_API_URL when set (a proxy, a test server), else
 * `https://api.github.com` for github.com and `https://<host>/api/v3` for GitHub Enterprise Server.
 */
export function apiUrlFor(host: string, env: Record<string, string | undefined> = process.env): string {
  const configured = env.GITHUB_API_URL?.trim();
  if (configured) return configured.replace(/\/+$/, '');
  return host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
}

/** GITHUB_TOKEN, or a GitHubError that names the variable. */
export function tokenFrom(env: Record<string, string | undefined> = process.env): string {
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) {
    throw new GitHubError(
      'NoToken',
      'GITHUB_TOKEN is not set: opening a pull request needs a GitHub token.',
      {
        hint: 'Create a token that may write pull requests and contents of the repository, and export GITHUB_TOKEN=<token>.',
      },
    );
  }
  return token;
}

interface Answer {
  status: number;
  body: unknown;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** A 403 that is a rate limit (GitHub's secondary limits) rather than a missing permission. */
const rateLimited403 = (response: Response) =>
  response.status === 403 &&
  (response.headers.has('retry-after') || response.headers.get('x-ratelimit-remaining') === '0');

const retryable = (response: Response) =>
  response.status >= 500 || response.status === 429 || rateLimited403(response);

/** One API call, retried while GitHub or the network fails for a moment. */
async function call(
  options: GitHubApiOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const { attempts = 4, baseMs = 500, maxWaitMs = 60_000 } = options.retry ?? {};
  const url = `${options.apiUrl}${path}`;
  let problem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait = baseMs * 2 ** (attempt - 1);
    try {
      const response = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${options.token}`,
          Accept: 'application/vnd.github+json',
          'X-GitHub-Api-Version': API_VERSION,
          'User-Agent': 'baton',
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.any([
          AbortSignal.timeout(options.timeoutMs ?? 30_000),
          ...(options.signal ? [options.signal] : []),
        ]),
      });
      const text = await response.text();
      if (!retryable(response)) return { status: response.status, body: parseJson(text) };
      problem = `${method} ${path} answered ${response.status}${messageOf(parseJson(text), ': ')}`;
      const asked = retryAfterMs(response.headers);
      if (asked !== undefined && asked > maxWaitMs) {
        throw new GitHubError(
          'RateLimited',
          `GitHub asks to wait ${Math.ceil(asked / 1000)} s (${problem}).`,
          {
            hint: 'Its rate limit resets then; try again after that.',
            retryAfterMs: asked,
          },
        );
      }
      wait = asked ?? wait;
    } catch (error) {
      if (error instanceof GitHubError || options.signal?.aborted) throw error;
      problem = `${method} ${path} failed: ${networkProblem(error)}`;
    }
    if (attempt < attempts) await sleep(wait, options.signal);
  }
  throw new GitHubError(
    'Unavailable',
    `GitHub at ${options.apiUrl} did not answer after ${attempts} attempts (${problem}).`,
    {
      hint: 'Check the network (and GITHUB_API_URL, if set), then try again.',
    },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** GitHub's `message`, and the `errors[].message` details of a 422, as one line. */
function messageOf(body: unknown, prefix = ''): string {
  if (typeof body !== 'object' || body === null)
    return typeof body === 'string' && body ? `${prefix}${body.slice(0, 200)}` : '';
  const { message, errors } = body as { message?: unknown; errors?: unknown };
  const details = Array.isArray(errors)
    ? errors.map((e: { message?: unknown; code?: unknown; field?: unknown }) =>
        typeof e?.message === 'string' ? e.message : [e?.field, e?.code].filter(Boolean).join(' '),
      )
    : [];
  const text = [typeof message === 'string' ? message : '', ...details].filter(Boolean).join(': ');
  return text ? `${prefix}${text}` : '';
}

/** The GitHubError for an answer we do not accept. */
function refused(answer: Answer, what: string, apiUrl: string): GitHubError {
  const said = messageOf(answer.body, ': ');
  if (answer.status === 401) {
    return new GitHubError('AuthFailed', `GITHUB_TOKEN was refused (401) by ${apiUrl}${said}.`, {
      hint: 'The token is wrong, expired or revoked: create a new one and export GITHUB_TOKEN=<token>.',
    });
  }
  if (answer.status === 403) {
    return new GitHubError('AuthFailed', `GITHUB_TOKEN may not ${what} (403)${said}.`, {
      hint: "Give the token write access to the repository's pull requests and contents.",
    });
  }
  return new GitHubError('Rejected', `GitHub refused to ${what} (${answer.status})${said}.`);
}

const slug = (repo: GitHubRepo) => `${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}`;

/** The repository's default branch (`main`, usually). */
export async function defaultBranch(options: GitHubApiOptions, repo: GitHubRepo): Promise<string> {
  const answer = await call(options, 'GET', `/repos/${slug(repo)}`);
  if (answer.status === 404) {
    throw new GitHubError(
      'Rejected',
      `GitHub has no repository ${repo.owner}/${repo.repo} that GITHUB_TOKEN can see (404 at ${options.apiUrl}).`,
      { hint: 'Check the remote URL, and that the token has access to the repository.' },
    );
  }
  const branch = (answer.body as { default_branch?: unknown } | null)?.default_branch;
  if (answer.status !== 200 || typeof branch !== 'string')
    throw refused(answer, `show ${repo.owner}/${repo.repo}`, options.apiUrl);
  return branch;
}

export interface PullRequest {
  url: string;
  number: number;
  /** False when one was open for the branch already: it is the one reported. */
  created: boolean;
}

const PR_EXISTS = /pull request already exists/i;

function pullRequestOf(body: unknown, created: boolean): PullRequest | undefined {
  const { html_url: url, number } = (body ?? {}) as { html_url?: unknown; number?: unknown };
  return typeof url === 'string' && typeof number === 'number' ? { url, number, created } : undefined;
}

/** The open pull request from `branch` of the repository, if there is one. */
export async function findOpenPullRequest(
  options: GitHubApiOptions,
  repo: GitHubRepo,
  branch: string,
): Promise<PullRequest | undefined> {
  const head = encodeURIComponent(`${repo.owner}:${branch}`);
  const answer = await call(options, 'GET', `/repos/${slug(repo)}/pulls?head=${head}&state=open`);
  if (answer.status !== 200)
    throw refused(answer, `list the pull requests of ${repo.owner}/${repo.repo}`, options.apiUrl);
  return Array.isArray(answer.body) ? pullRequestOf(answer.body[0], false) : undefined;
}

/**
 * Opens a pull request from `head` into `base`. One that is open for `head` already is reported
 * (`created: false`) rather than refused: running this twice gives the same pull request.
 */
export async function createPullRequest(
  options: GitHubApiOptions,
  repo: GitHubRepo,
  pr: { head: string; base: string; title: string; body: string; draft: boolean },
): Promise<PullRequest> {
  const answer = await call(options, 'POST', `/repos/${slug(repo)}/pulls`, pr);
  const made = answer.status === 201 ? pullRequestOf(answer.body, true) : undefined;
  if (made) return made;
  if (answer.status === 422 && PR_EXISTS.test(messageOf(answer.body))) {
    const existing = await findOpenPullRequest(options, repo, pr.head);
    if (existing) return existing;
  }
  throw refused(
    answer,
    `open a pull request from ${pr.head} into ${pr.base} of ${repo.owner}/${repo.repo}`,
    options.apiUrl,
  );
}
