import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The workflow bundle, built once per process and shared by every worker in it. Bundling takes
 * seconds; a worker restart in the same process should not pay it again.
 */
export function workflowBundle(workflowsPath: string = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  if (workflowsPath !== WORKFLOWS_PATH) return bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  cached ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return cached;
}

const noop = () => undefined;
/** The bundler's logger without its chatter: warnings and errors only. */
export const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};
