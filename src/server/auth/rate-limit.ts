/**
 * Login failures per client address in a sliding window: after `max` failures within `windowMs`
 * the address is refused (429 with Retry-After) until its oldest failure leaves the window.
 */
export interface RateLimiter {
  /** Seconds to wait before trying again, or 0 when the address may try now. */
  retryAfter(address: string): number;
  fail(address: string): void;
}

const MAX_ADDRESSES = 10_000;

export function createRateLimiter(max = 10, windowMs = 60_000, now: () => number = Date.now): RateLimiter {
  const failures = new Map<string, number[]>();
  const recent = (address: string) => {
    const since = now() - windowMs;
    const times = (failures.get(address) ?? []).filter((t) => t > since);
    if (times.length === 0) failures.delete(address);
    else failures.set(address, times);
    return times;
  };
  return {
    retryAfter(address) {
      const times = recent(address);
      if (times.length < max) return 0;
      return Math.max(1, Math.ceil((times[times.length - max]! + windowMs - now()) / 1000));
    },
    fail(address) {
      if (!failures.has(address) && failures.size >= MAX_ADDRESSES)
        failures.delete(failures.keys().next().value as string);
      failures.set(address, [...recent(address), now()].slice(-max));
    },
  };
}
