import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { WORKFLOWS_PATH } from './bundle';
import { WorkerSetupError } from './errors';

const exec = promisify(execFile);
const BUNDLER = fileURLToPath(new URL('./bundle-child.ts', import.meta.url));
/** tsx's loader, by path: the child reads the TypeScript sources whatever this process runs under. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let cached: Promise<{ codePath: string }> | undefined;

/**
 * The workflow bundle as a file, built by a child process: webpack's few hundred megabytes then
 * leave with that process instead of staying in the worker's RSS for its whole life (an idle worker
 * sat at 500 MB when it bundled in-process, 300 MB this way; bench/README.md). Built once per process.
 */
export function workflowBundleFile(): Promise<{ codePath: string }> {
  cached ??= build().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function build(): Promise<{ codePath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bundle-'));
  // Each start writes a fresh one (the sources may have changed), so it goes when the process does.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const codePath = join(dir, 'workflows.js');
  try {
    await exec(process.execPath, ['--import', TSX, BUNDLER, WORKFLOWS_PATH, codePath], {
      maxBuffer: 16 * 2 ** 20,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new WorkerSetupError(
      `Could not bundle the workflows (${WORKFLOWS_PATH}): ${stderr || (error as Error).message}`,
      'The workflow sources must compile: run `npx tsc --noEmit` for the error, then start the worker again.',
    );
  }
  return { codePath };
}
