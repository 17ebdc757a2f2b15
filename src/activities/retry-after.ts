/** How long a provider asks us to wait before the next attempt, from its response headers. */

type HeaderSource = Headers | Record<string, string> | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return value?.trim() || undefined;
}

/** Epoch seconds above this are a point in time (GitHub's `x-ratelimit-reset`), below it a delay. */
const EPOCH_SECONDS = 1_000_000_000;

/**
 * The wait in milliseconds: `retry-after-ms`; else `retry-after` as seconds or an HTTP date; else
 * `x-ratelimit-reset` as epoch seconds (at least a second, since the reset may just have passed).
 * Undefined when none is given or readable.
 */
export function retryAfterMs(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(header(headers, 'retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const after = header(headers, 'retry-after');
  if (after && /^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
  const date = after ? Date.parse(after) : Number.NaN;
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  const reset = header(headers, 'x-ratelimit-reset');
  if (reset && /^\d+$/.test(reset)) {
    const seconds = Number(reset);
    return seconds > EPOCH_SECONDS ? Math.max(1000, seconds * 1000 - now) : seconds * 1000;
  }
  return undefined;
}
