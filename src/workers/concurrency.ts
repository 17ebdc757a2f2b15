import { WorkerSetupError } from './errors';

/** The SDK's own default for `maxConcurrentActivityTaskExecutions`, said by `baton worker`. */
export const DEFAULT_CONCURRENCY = 100;

/** The most activity slots a worker may ask for: far past what one process can run usefully. */
const MAX_CONCURRENCY = 10_000;

/**
 * `baton worker --concurrency <n>`: how many agent phases (activities) one worker runs at once.
 * A whole number from 1; past the limit it is a typo, not a plan.
 */
export function checkConcurrency(value: string): number {
  const n = Number(value);
  if (/^\d+$/.test(value.trim()) && n >= 1 && n <= MAX_CONCURRENCY) return n;
  throw new WorkerSetupError(
    `--concurrency "${value}" is not a number of phases.`,
    `Give a whole number from 1 to ${MAX_CONCURRENCY}: how many agent phases this worker runs at once, e.g. \`baton worker --concurrency 4\`. Run more workers on the same task queue to spread runs over machines.`,
  );
}
