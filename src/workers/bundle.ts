import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let cached: Promise<WorkflowBundle> | undefined;

/**
 * The workflow bundle, built once per process and shared by every worker in it. Bundling takes
 * seconds; a worker restart in the same process should not pay it again.
 */
export function workflowBundle(workflowsPath: string = WORKFLOWS_PATH): Promise<WorkflowBundle> {
  if (workflowsPath !== WORKFLOWS_PATH) return bundleWorkflows(workflowsPath);
  cached ??= bundleWorkflows(workflowsPath);
  return cached;
}

/** Bundles workflow code as Baton's workers load it: the SDK's bundler, then its source map slimmed. */
export async function bundleWorkflows(workflowsPath: string = WORKFLOWS_PATH): Promise<WorkflowBundle> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return { code: withoutSourcesContent(code) };
}

const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:application/json;';
const BASE64 = 'base64,';

/**
 * The bundle with its inline source map's `sourcesContent` (a copy of every source file, 1.5 MB of
 * Baton's and its libraries' code) left out. Stack traces map through `mappings` alone; the sources
 * are read only for the enhanced stack-trace query with `showStackTraceSources`, which Baton leaves
 * off. Each worker's workflow thread holds about 30 MB less (bench/README.md).
 */
export function withoutSourcesContent(code: string): string {
  const at = code.lastIndexOf(SOURCE_MAP_COMMENT);
  const data = at < 0 ? -1 : code.indexOf(BASE64, at);
  if (data < 0) return code;
  const map = JSON.parse(Buffer.from(code.slice(data + BASE64.length).trim(), 'base64').toString()) as {
    sourcesContent?: unknown;
  };
  delete map.sourcesContent;
  return `${code.slice(0, data + BASE64.length)}${Buffer.from(JSON.stringify(map)).toString('base64')}`;
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
