import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DevServerError } from './server';
import { cacheDir, findOnPath, lastLines } from './temporal-cli';

/**
 * Go programs Temporal on PostgreSQL needs (the server, its SQL schema tool, the Web UI server),
 * found in or built once into ~/.cache/baton/go-bin with `go install`.
 */

export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const UI_SERVER_VERSION = 'v2.42.1';

/**
 * The server module asks for Go ≥ 1.26.10; `go1.27.3` is a toolchain the Go proxy serves here.
 * BATON_GOTOOLCHAIN overrides it (say `local` when the installed Go is recent enough).
 */
export const goToolchain = () => process.env.BATON_GOTOOLCHAIN ?? 'go1.27.3';

export interface GoTool {
  /** The file name in go-bin. */
  name: string;
  /** `module/path/cmd/x@version`, as `go install` takes it. */
  target: string;
  /** The name `go install` gives the binary (the last path element of the package). */
  built: string;
}

export const TEMPORAL_SERVER: GoTool = {
  name: 'server',
  target: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
  built: 'server',
};
export const SQL_TOOL: GoTool = {
  name: 'sql',
  target: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  built: 'sql',
};
export const UI_SERVER: GoTool = {
  name: 'ui-server',
  target: `github.com/temporalio/ui-server/v2/cmd/server@${UI_SERVER_VERSION}`,
  built: 'server',
};

export const goBinDir = () => join(cacheDir(), 'go-bin');

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Runs a command; resolves with its exit status and combined output. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => resolve({ code: err.message, output }));
    child.once('close', (status, signal) => resolve({ code: status ?? signal ?? 'unknown', output }));
  });
}

/** The tool's path in go-bin, built there with `go install` first if it is missing. Throws with go's output when the build fails. */
export async function ensureGoTool(tool: GoTool, log: (line: string) => void): Promise<string> {
  const path = join(goBinDir(), tool.name);
  if (await isExecutable(path)) return path;
  const go = await findOnPath('go');
  const command = `GOTOOLCHAIN=${goToolchain()} go install ${tool.target}`;
  if (!go)
    throw new DevServerError(
      `Can't build ${tool.target}: Go is not installed (no \`go\` on PATH).`,
      `Install Go (https://go.dev/dl/) and re-run, or build it elsewhere and put it at ${path}.`,
    );
  log(`Building ${tool.target} with Go (first run only, a few minutes)…`);
  // A private GOBIN and a rename, so concurrent runs never see a half-written binary.
  const tmpBin = `${goBinDir()}.tmp-${process.pid}-${tool.name}`;
  mkdirSync(tmpBin, { recursive: true });
  const startedAt = Date.now();
  const seconds = () => Math.round((Date.now() - startedAt) / 1000);
  const ticker = setInterval(() => log(`  still building ${tool.name}… ${seconds()}s`), 30_000);
  try {
    const env = { ...process.env, GOBIN: tmpBin, GOTOOLCHAIN: goToolchain() };
    const { code, output } = await run(go, ['install', tool.target], env);
    if (code !== 0)
      throw new DevServerError(
        `\`${command}\` failed (${code}):\n${lastLines(output, 30)}`,
        'Fix the Go setup it names (network, toolchain), or set BATON_GOTOOLCHAIN, and re-run.',
      );
    mkdirSync(goBinDir(), { recursive: true });
    renameSync(join(tmpBin, tool.built), path);
    log(`Built ${tool.name} in ${seconds()}s: ${path}`);
    return path;
  } finally {
    clearInterval(ticker);
    rmSync(tmpBin, { recursive: true, force: true });
  }
}

/** Where `go install` left the server module's sources: the PostgreSQL schemas live there. */
export async function serverModuleDir(): Promise<string> {
  const go = (await findOnPath('go')) ?? 'go';
  const env = { ...process.env, GOTOOLCHAIN: goToolchain() };
  const { code, output } = await run(go, ['env', 'GOMODCACHE'], env);
  if (code !== 0)
    throw new DevServerError(`\`go env GOMODCACHE\` failed: ${output}`, 'Check the Go install.');
  const dir = join(output.trim(), `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`);
  if (await isExecutable(dir)) return dir;
  const fetched = await run(go, ['mod', 'download', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`], env);
  if (fetched.code !== 0)
    throw new DevServerError(
      `The Temporal server's schemas are not in ${dir}, and \`go mod download\` failed: ${fetched.output}`,
      'Fix the Go setup it names and re-run.',
    );
  return dir;
}
