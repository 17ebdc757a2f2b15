import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** Finding the Temporal CLI (TEMPORAL_CLI, PATH, Baton's cache), or building it once with Go. */

export const CLI_VERSION = 'v1.5.1'; // later releases can't be `go install`ed
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const EXE = process.platform === 'win32' ? '.exe' : '';

export function cacheDir(): string {
  return process.env.BATON_CACHE_DIR ?? join(homedir(), '.cache', 'baton');
}

export function cachedCliPath(): string {
  return join(cacheDir(), 'temporal-cli', CLI_VERSION, `temporal${EXE}`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of `name` on PATH, if it is there. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, `${name}${EXE}`);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Order: env TEMPORAL_CLI, then `temporal` on PATH, then the cached build. Returns path or undefined. */
export async function findTemporalCli(): Promise<string | undefined> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv && (await isExecutable(fromEnv))) return fromEnv;
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;
  return (await isExecutable(cachedCliPath())) ? cachedCliPath() : undefined;
}

/**
 * How to run the Temporal CLI from the user's shell: `temporal` when that is on PATH, else the
 * binary's full path, else `npx baton temporal` (which finds or builds it).
 */
export async function temporalCommand(): Promise<string> {
  const cli = await findTemporalCli();
  if (!cli) return 'npx baton temporal';
  return cli === (await findOnPath('temporal')) ? 'temporal' : cli;
}

/** Finds the Temporal CLI, else builds it with `go install` into the cache. Undefined when Go is absent or fails. */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<string | undefined> {
  const found = await findTemporalCli();
  if (found) return found;
  if (process.env.TEMPORAL_CLI)
    log(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} is not an executable file; ignoring it.`);
  const go = await findOnPath('go');
  if (!go) {
    log(`Go is not installed (no \`go\` on PATH), so the Temporal CLI ${CLI_VERSION} can't be built.`);
    return undefined;
  }
  log(`Building the Temporal CLI ${CLI_VERSION} with Go (first run only, a few minutes)…`);
  const target = cachedCliPath();
  // Build into a private GOBIN and rename, so concurrent runs never see a half-written binary.
  const tmpBin = `${dirname(target)}.tmp-${process.pid}`;
  mkdirSync(tmpBin, { recursive: true });
  const startedAt = Date.now();
  const seconds = () => Math.round((Date.now() - startedAt) / 1000);
  const ticker = setInterval(() => log(`  still building the Temporal CLI… ${seconds()}s`), 30_000);
  try {
    const child = spawn(go, ['install', `${CLI_MODULE}@${CLI_VERSION}`], {
      env: { ...process.env, GOBIN: tmpBin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('close', (status, signal) => resolve(status ?? signal ?? 'unknown'));
    });
    if (code !== 0) {
      log(`\`go install ${CLI_MODULE}@${CLI_VERSION}\` failed (${code}):\n${lastLines(output, 20)}`);
      return undefined;
    }
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(tmpBin, `temporal${EXE}`), target);
    log(`Built the Temporal CLI in ${seconds()}s: ${target}`);
    return target;
  } finally {
    clearInterval(ticker);
    rmSync(tmpBin, { recursive: true, force: true });
  }
}

export const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');
