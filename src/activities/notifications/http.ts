/** One POST to a sink, bounded, with the answer classified as taken, retryable or refused. */
import { retryAfterMs } from '../retry-after';
import { SinkError } from './failure';

/** Each HTTP call is bounded: a receiver that hangs is a failed attempt, not a stuck run. */
export const HTTP_TIMEOUT_MS = 10_000;

/** `webhook hooks.slack.com`: names the sink without its path (Slack's holds the token) or query. */
export function urlLabel(kind: string, url: string): string {
  return `${kind} ${new URL(url).host}`;
}

/** Statuses worth asking again: the receiver timed out or asked us to slow down. */
const RETRYABLE_4XX = new Set([408, 429]);

/** POSTs `body`; resolves when the receiver answered 2xx, else throws a SinkError. */
export async function postJson(
  label: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_TIMEOUT_MS)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new SinkError(label, requestError(error), true);
  }
  // The body is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const status = `answered HTTP ${response.status}`;
  if (response.status >= 500 || RETRYABLE_4XX.has(response.status))
    throw new SinkError(label, status, true, retryAfterMs(response.headers));
  throw new SinkError(label, `${status}; not retried (fix the sink's URL or the receiver)`, false);
}

/** A fetch failure as one line: the timeout, or the network error's code (never the URL). */
function requestError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer in ${HTTP_TIMEOUT_MS / 1000}s`;
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
