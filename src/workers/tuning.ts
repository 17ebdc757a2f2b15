import type { WorkerOptions } from '@temporalio/worker';
import { WorkerSetupError } from './errors';

/**
 * How many runs one worker keeps in its sticky cache by default. The SDK's own default grows with
 * the V8 heap limit (about 2,300 on a 4 GB heap), and each cached run holds about 1.8 MB, so a
 * worker with 1,000 runs waiting at gates sat at 1.8 GB. A run waiting for a person needs no cache:
 * when its decision comes, the worker replays its short history (bench/README.md has the cost).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** Workflow tasks a worker runs at once; at most the cache size, as the SDK requires. */
const DEFAULT_WORKFLOW_TASKS = 40;

const CACHE_VARIABLE = 'BATON_MAX_CACHED_WORKFLOWS';

/**
 * The worker's workflow-cache settings from `BATON_MAX_CACHED_WORKFLOWS` (0 turns the cache off:
 * every workflow task replays). `reuseV8Context` stays the SDK's default (on): one V8 context for
 * all runs, each run's globals swapped in and out, where separate contexts cost megabytes each.
 */
export function workflowCacheOptions(
  env: Record<string, string | undefined>,
): Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'> {
  const raw = env[CACHE_VARIABLE];
  const size = raw === undefined || raw.trim() === '' ? DEFAULT_MAX_CACHED_WORKFLOWS : checkCacheSize(raw);
  // The SDK refuses a cache of 1 and lowers workflow-task slots above the cache size with a warning.
  return {
    maxCachedWorkflows: size,
    maxConcurrentWorkflowTaskExecutions:
      size === 0 ? DEFAULT_WORKFLOW_TASKS : Math.min(DEFAULT_WORKFLOW_TASKS, size),
  };
}

function checkCacheSize(raw: string): number {
  const n = Number(raw);
  if (/^\s*\d+\s*$/.test(raw) && n !== 1) return n;
  throw new WorkerSetupError(
    `${CACHE_VARIABLE}="${raw}" is not a cache size.`,
    `Give how many runs one worker keeps cached: 0 (off) or a whole number from 2 (default ${DEFAULT_MAX_CACHED_WORKFLOWS}).`,
  );
}

const HEAP_VARIABLE = 'BATON_HEAP_GROWING_PERCENT';

/**
 * How far V8 lets a worker's heaps grow past what the last full collection kept, in percent, before
 * it collects again. V8's own factor rises towards 4x when a heap allocates fast, as the workflow
 * thread does while it creates and replays runs (each replay of an evicted run evaluates the
 * bundle's modules again), so a worker that had started 1,000 runs peaked at 1,277 MB RSS under
 * Node 20 and 1,613 MB under Node 24. 100 (2x) kept that peak at 896-925 MB and 1,081 MB, for
 * evicted runs' replays 0-7 % slower under Node 20 (none under 24) and the start burst 0-20 %
 * slower; 50 kept it at 761 MB under Node 20, for replays 20-50 % slower. Unlike
 * `--max-old-space-size` it sets no ceiling, so a cache whose live set is larger cannot run the
 * thread out of memory.
 * bench/README.md has the figures.
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flag for `BATON_HEAP_GROWING_PERCENT` (0 leaves V8's own factor), or undefined for none.
 * Set in the process before the SDK creates its workflow thread, whose isolate reads it.
 */
export function heapGrowingFlag(env: Record<string, string | undefined>): string | undefined {
  const raw = env[HEAP_VARIABLE]?.trim();
  if (raw !== undefined && raw !== '' && (!/^\d+$/.test(raw) || Number(raw) > 1000)) {
    throw new WorkerSetupError(
      `${HEAP_VARIABLE}="${env[HEAP_VARIABLE]}" is not a percentage.`,
      `Give how far the worker's V8 heaps may grow past their live data before a collection, as a whole number from 1 to 1000 (default ${DEFAULT_HEAP_GROWING_PERCENT}), or 0 for V8's own heuristics.`,
    );
  }
  const percent = raw === undefined || raw === '' ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  return percent === 0 ? undefined : `--heap-growing-percent=${percent}`;
}
