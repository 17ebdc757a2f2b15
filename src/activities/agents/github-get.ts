/** One authenticated GET on GitHub's REST API for the issue and pull-request agents, errors classified. */
import { agentFailure, cancellation } from '../failures';
import { retryAfterMs } from '../retry-after';
import type { AgentContext } from './agent';

const DEFAULT_API = 'https://api.github.com';
const TIMEOUT_MS = 30_000;

export interface GitHubAccess {
  token: string;
  api: string;
}

/** GITHUB_TOKEN and GITHUB_API_URL from `env`, or undefined without a token. */
export function githubAccess(
  env: Record<string, string | undefined> = process.env,
): GitHubAccess | undefined {
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) return undefined;
  return { token, api: (env.GITHUB_API_URL?.trim() || DEFAULT_API).replace(/\/+$/, '') };
}

/** `owner/name`, checked, for a URL path; the field is named in the error. */
export function repositoryPath(repository: string, field = 'repository'): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw agentFailure(
      'BadInput',
      `${field} "${repository.slice(0, 200)}" is not owner/name, such as "octocat/hello-world"`,
    );
  }
  return repository;
}

export async function githubGet(path: string, access: GitHubAccess, context: AgentContext): Promise<unknown> {
  const url = `${access.api}${path}`;
  const hide = (text: string) => text.split(access.token).join('[redacted]');
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${access.token}`,
        'user-agent': 'baton',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.any([context.signal, timeout]),
    });
  } catch (error) {
    if (context.signal.aborted) throw cancellation(context.signal, error);
    const why = timeout.aborted ? `no answer within ${TIMEOUT_MS / 1000}s` : (error as Error).message;
    throw agentFailure('ProviderUnavailable', hide(`cannot reach GitHub at ${url} (${why})`));
  }
  const text = await response.text().catch(() => '');
  if (response.ok) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw agentFailure('ProviderUnavailable', `GitHub answered ${url} with a body that is not JSON`);
    }
  }
  let said = text.slice(0, 300);
  try {
    said = String((JSON.parse(text) as { message?: unknown }).message ?? said).slice(0, 300);
  } catch {
    // not JSON: the raw text
  }
  said = hide(said);
  const status = response.status;
  const delay = retryAfterMs(response.headers);
  if (status === 429 || (status === 403 && response.headers.get('x-ratelimit-remaining') === '0')) {
    throw agentFailure('RateLimited', `GitHub is rate limited at ${url} (${status}: ${said})`, {
      nextRetryDelay: delay,
    });
  }
  if (status === 401 || status === 403) {
    throw agentFailure(
      'AuthFailed',
      `GITHUB_TOKEN was refused by ${url} (${status}: ${said}); set a token with access to the repository`,
    );
  }
  if (status === 404) {
    throw agentFailure(
      'BadInput',
      `GitHub has nothing at ${url} (404: ${said}); check repository and number`,
    );
  }
  if (status >= 500 || status === 408) {
    throw agentFailure('ProviderUnavailable', `GitHub is unavailable at ${url} (${status}: ${said})`, {
      nextRetryDelay: delay,
    });
  }
  throw agentFailure('BadRequest', `GitHub answered ${status} at ${url}: ${said}`);
}
