import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, inject } from 'vitest';

const BIN = fileURLToPath(new URL('../../src/client/bin.ts', import.meta.url));
const run = promisify(execFile);

/**
 * PATH without the directories that hold a `baton` executable, so the CLI's hints read
 * `npx baton …` whatever is installed on this machine (a test may pass its own PATH).
 */
export const PATH_WITHOUT_BATON = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => {
    try {
      accessSync(join(dir, 'baton'), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  })
  .join(delimiter);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real `baton` CLI, each call in a process of its own, pointed at the suite's server and at
 * `shared`'s task queue and artifact store (read when called: `useWorker` fills them in `beforeAll`).
 */
export function cli(shared: { taskQueue: string; workspaceRoot: string }) {
  const environment = (env: Record<string, string>) => ({
    ...process.env,
    PATH: PATH_WITHOUT_BATON,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    BATON_TASK_QUEUE: shared.taskQueue,
    BATON_ARTIFACTS_DIR: join(shared.workspaceRoot, '.artifacts'),
    ...env,
  });
  const baton = async (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', BIN, ...args], {
        env: environment(env),
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const result = await baton([...args, '--json']);
    if (result.code !== 0) throw new Error(result.stderr);
    return JSON.parse(result.stdout) as T;
  };
  /**
   * A CLI process that keeps running (`start --wait`, `status --watch`), with its output so far.
   * `exited` resolves with its exit code; stop it with `child.kill()`.
   */
  const spawnBaton = (args: string[], env: Record<string, string> = {}) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      env: environment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, output, exited };
  };
  return { baton, json, spawnBaton };
}

/** A CLI error as a user should see it: exit 1, one `error:` line first, no stack trace, the given words. */
export function expectCleanError(result: Pick<CliResult, 'code' | 'stderr'>, ...parts: string[]): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(result.stderr).toContain(part);
}
