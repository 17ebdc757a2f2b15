/** Durations in definitions: a positive number of milliseconds, or a string such as `500ms`, `30s`, `5m`, `1h30m`, `2d`. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

export const DURATION_HINT = 'use a number of milliseconds or a string like 500ms, 30s, 5m, 1h30m, 2d';

/** Returns the duration in milliseconds, or undefined when the value is not a valid duration. */
export function parseDuration(value: unknown): number | undefined {
  let total: number;
  if (typeof value === 'number') total = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    // A long string is no duration anyone means, and the regex need not look at it.
    if (text.length > 100 || !WHOLE.test(text)) return undefined;
    total = 0;
    for (const match of text.matchAll(PART)) {
      total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    }
  } else return undefined;
  // `0.2ms` rounds to no time at all, and `1e400d` to Infinity: neither is a duration.
  const ms = Math.round(total);
  return Number.isFinite(ms) && ms >= 1 ? ms : undefined;
}

/**
 * Like parseDuration, for values that were validated already (and so are within LIMITS). It never
 * throws: workflow code calls it, and a throw there would retry the workflow task for ever. So the
 * result is clamped to `maxMs` (the field's limit), which a value that is not a duration also gives.
 */
export function durationMs(value: string | number, maxMs: number): number {
  return Math.min(parseDuration(value) ?? maxMs, maxMs);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
}
