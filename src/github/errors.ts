/**
 * The one error of src/github: what went wrong pushing a branch or opening a pull request, of one
 * `kind`, with a hint that says what to do. The client prints it as it is; the `pull-request` agent
 * maps the kind to an agent failure (retryable or not).
 */
import { HintedError } from '../shared/hinted-error';

export const GITHUB_ERROR_KINDS = [
  /** GITHUB_TOKEN is not set. */
  'NoToken',
  /** GitHub refused the token (401), or it lacks a permission (403). */
  'AuthFailed',
  /** GitHub asks to wait longer than we are willing to (a rate limit). */
  'RateLimited',
  /** GitHub or the network kept failing after the retries. */
  'Unavailable',
  /** GitHub refused the request itself (422, 404): the message says why. */
  'Rejected',
  /** The repository has no such remote, or its URL does not name an owner and a repository. */
  'BadRemote',
  /** `git push` failed. */
  'PushFailed',
] as const;
export type GitHubErrorKind = (typeof GITHUB_ERROR_KINDS)[number];

export class GitHubError extends HintedError {
  override name = 'GitHubError';
  constructor(
    readonly kind: GitHubErrorKind,
    message: string,
    options: { hint?: string; cause?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message, options.hint ?? '', { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
  /** How long GitHub asked to wait, for a RateLimited error. */
  readonly retryAfterMs: number | undefined;
}
