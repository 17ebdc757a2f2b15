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
    maxConcurrentWorkflowTaskExecutions: size === 0 ? DEFAULT_WORKFLOW_TASKS : Math.min(DEFAULT_WORKFLOW_TASKS, size),
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
