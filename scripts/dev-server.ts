/**
 * Finds, installs and starts the Temporal dev server for `npm start`, `npm test` and the `baton` CLI.
 *
 * Run directly: `tsx scripts/dev-server.ts install` builds the Temporal CLI into the cache;
 * `tsx scripts/dev-server.ts start [--port N] [--ui-port N] [--db FILE] [--headless]` runs a server until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { batonHome } from '../src/config/home';

/** Search attributes every Baton namespace needs (public contract, see DESIGN.md). */
export const SEARCH_ATTRIBUTES = {
  BatonTemplate: 'Keyword',
  BatonPendingGates: 'KeywordList',
  BatonProgress: 'Int',
} as const;
type AttributeType = (typeof SEARCH_ATTRIBUTES)[keyof typeof SEARCH_ATTRIBUTES];

/** temporal.api.enums.v1.IndexedValueType, without depending on @temporalio/proto directly. */
const INDEXED_VALUE_TYPE: Record<AttributeType, number> = { Keyword: 2, Int: 3, KeywordList: 7 };
const SDK_TYPE = { Keyword: 'KEYWORD', Int: 'INT', KeywordList: 'KEYWORD_LIST' } as const;

const CLI_VERSION = 'v1.5.1'; // later releases can't be `go install`ed
const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const EXE = process.platform === 'win32' ? '.exe' : '';
const WATCHDOG = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  dbFile?: string;
  /** Where the server's stdout/stderr go (only for servers this process started with the CLI). */
  logFile?: string;
  /** True when this process started the server (and stop() really stops it). */
  owned: boolean;
  /** Graceful stop (SIGTERM then wait; SIGKILL after 10s). A no-op for servers we don't own. */
  stop(): Promise<void>;
  /** SIGKILL the server process (for crash tests). Rejects for servers we don't own. */
  kill(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  dbFile?: string;
  headless?: boolean;
  log?: (line: string) => void;
}

export class DevServerError extends Error {
  override name = 'DevServerError';
}

export function cacheDir(): string {
  return process.env.BATON_CACHE_DIR ?? join(homedir(), '.cache', 'baton');
}

function cachedCliPath(): string {
  return join(cacheDir(), 'temporal-cli', CLI_VERSION, `temporal${EXE}`);
}

function namespaceFromEnv(): string {
  return process.env.TEMPORAL_NAMESPACE ?? 'default';
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

/** A free TCP port on 127.0.0.1 (listen on 0, read, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Adds the Baton search attributes to the namespace if missing. Idempotent; tolerates AlreadyExists. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(
    missing.map((name) => [name, INDEXED_VALUE_TYPE[SEARCH_ATTRIBUTES[name]]]),
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
}

async function missingSearchAttributes(connection: Connection, namespace: string) {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const names = Object.keys(SEARCH_ATTRIBUTES) as (keyof typeof SEARCH_ATTRIBUTES)[];
  for (const name of names) {
    const existing = customAttributes?.[name];
    if (existing != null && existing !== INDEXED_VALUE_TYPE[SEARCH_ATTRIBUTES[name]]) {
      throw new DevServerError(
        `Search attribute "${name}" exists in namespace "${namespace}" with the wrong type (indexed value type ${existing}); it must be ${SEARCH_ATTRIBUTES[name]}`,
      );
    }
  }
  return names.filter((name) => customAttributes?.[name] == null);
}

/** Starts `temporal server start-dev` (or, without the CLI, the SDK's downloaded dev server) and waits until it serves. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const port = options.port ?? 7233;
  const settings = {
    port,
    uiPort: options.uiPort ?? port + 1000,
    headless: options.headless ?? false,
    dbFile: options.dbFile ?? join(batonHome(), 'temporal-dev.db'),
    namespace: namespaceFromEnv(),
    log,
  };
  mkdirSync(dirname(settings.dbFile), { recursive: true });
  const cli = await ensureTemporalCli(log);
  if (cli) return startWithCli(cli, settings);
  log(`No Temporal CLI; trying the Temporal SDK's downloaded dev server instead…`);
  try {
    return await startWithSdk(settings);
  } catch (err) {
    throw new DevServerError(
      [
        `Could not start a Temporal dev server: the Temporal CLI is not available and the SDK could not download one (${errorMessage(err)}).`,
        'Do one of:',
        `  - install Go (https://go.dev/dl/) and re-run; the Temporal CLI ${CLI_VERSION} is then built into ${dirname(cachedCliPath())} once;`,
        '  - install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal;',
        '  - run a Temporal server yourself and set TEMPORAL_ADDRESS=host:port.',
      ].join('\n'),
      { cause: err },
    );
  }
}

type Settings = Required<Omit<DevServerOptions, 'log'>> & { namespace: string; log: (line: string) => void };

const ownedChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

async function startWithCli(cli: string, s: Settings): Promise<DevServer> {
  const address = `${HOST}:${s.port}`;
  const logFile = s.dbFile.replace(/\.db$/, '') + '.log';
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(s.port), '--db-filename', s.dbFile];
  args.push('--log-level', 'warn', ...(s.headless ? ['--headless'] : ['--ui-port', String(s.uiPort)]));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES))
    args.push('--search-attribute', `${name}=${type}`);
  if (s.namespace !== 'default') args.push('--namespace', s.namespace);

  const fd = openSync(logFile, 'w');
  const child = spawn(cli, args, { stdio: ['ignore', fd, fd], detached: false });
  closeSync(fd);
  ownedChildren.add(child);
  if (child.pid !== undefined) guardWithWatchdog(child.pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Don't leave an orphan server behind if the parent exits without stopping it.
    process.once('exit', () => ownedChildren.forEach((c) => c.kill('SIGKILL')));
  }
  let exited: string | undefined;
  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  child.once('error', (err) => (exited = `could not run ${cli}: ${err.message}`));
  child.once('exit', (code, signal) => {
    ownedChildren.delete(child);
    exited = `the server exited (${code ?? signal})`;
    if (state === 'ready') s.log(`Temporal dev server at ${address}: ${exited} unexpectedly; see ${logFile}`);
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    const connection = await connectWithin(address, deadline, () => exited);
    try {
      await waitForSearchAttributes(connection, s.namespace, deadline);
    } finally {
      await connection.close();
    }
  } catch (err) {
    state = 'stopping';
    await terminate(child, 0);
    throw new DevServerError(
      `Temporal dev server failed to start on ${address}: ${errorMessage(err)}\n--- last lines of ${logFile} ---\n${lastLines(readText(logFile), 30)}`,
      { cause: err },
    );
  }
  state = 'ready';
  const end = (graceMs: number) => {
    state = 'stopping';
    return terminate(child, graceMs);
  };
  return {
    address,
    namespace: s.namespace,
    uiUrl: s.headless ? undefined : `http://${HOST}:${s.uiPort}`,
    dbFile: s.dbFile,
    logFile,
    owned: true,
    stop: () => end(STOP_GRACE_MS),
    kill: () => end(0),
  };
}

/**
 * Stops the server when this process dies without stopping it: SIGKILL, a crash, or a wrapper
 * (`npx`, `sh -c`) that exits on SIGTERM without passing it on. The 'exit' hook above covers only
 * exits Node itself performs. The watchdog ends by itself once the server is gone.
 */
function guardWithWatchdog(pid: number): void {
  if (process.platform === 'win32') return; // no signals to lose there; the hook above suffices
  const watchdog = spawn(process.execPath, [WATCHDOG, String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.once('error', () => undefined); // best effort: the 'exit' hook still covers normal exits
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
}

/** Sends SIGTERM (SIGKILL when graceMs is 0, or once graceMs passes) and resolves when the process is gone. */
function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}

async function startWithSdk(s: Settings): Promise<DevServer> {
  const [{ TestWorkflowEnvironment }, { defineSearchAttributeKey }] = await Promise.all([
    import('@temporalio/testing'),
    import('@temporalio/common'),
  ]);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: HOST,
      port: s.port,
      ui: !s.headless,
      uiPort: s.headless ? undefined : s.uiPort,
      dbFilename: s.dbFile,
      namespace: s.namespace,
      searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) =>
        defineSearchAttributeKey(name, SDK_TYPE[type]),
      ),
      executable: { type: 'cached-download', downloadDir: join(cacheDir(), 'temporal-sdk-download') },
    },
  });
  childPidsMatching(['start-dev', String(s.port)]).forEach(guardWithWatchdog);
  try {
    await waitForSearchAttributes(env.connection, s.namespace, Date.now() + START_TIMEOUT_MS);
  } catch (err) {
    await env.teardown();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= env.teardown());
  return {
    address: env.address,
    namespace: s.namespace,
    uiUrl: s.headless ? undefined : `http://${HOST}:${s.uiPort}`,
    dbFile: s.dbFile,
    owned: true,
    stop,
    // The SDK doesn't expose the server process; find our child by its command line (Linux only).
    kill: async () => {
      for (const pid of childPidsMatching(['start-dev', String(s.port)])) process.kill(pid, 'SIGKILL');
      await stop().catch(() => {});
    },
  };
}

function childPidsMatching(needles: string[]): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        const stat = readText(`/proc/${pid}/stat`);
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const argv = readText(`/proc/${pid}/cmdline`).split('\0');
        return ppid === process.pid && needles.every((n) => argv.includes(n));
      })
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * If TEMPORAL_ADDRESS is set, checks that server. Otherwise reuses a server already answering on
 * 127.0.0.1:<port>, or starts one. Search attributes are ensured either way.
 */
export async function ensureServer(options: DevServerOptions = {}): Promise<DevServer> {
  const namespace = namespaceFromEnv();
  const remote = process.env.TEMPORAL_ADDRESS;
  if (remote) {
    try {
      await checkExisting(remote, namespace, Date.now() + 30_000);
    } catch (err) {
      throw new DevServerError(
        `TEMPORAL_ADDRESS=${remote}: ${errorMessage(err)}. Start that server, or unset TEMPORAL_ADDRESS to use a local dev server.`,
        { cause: err },
      );
    }
    return notOwned(remote, namespace);
  }
  const port = options.port ?? 7233;
  const address = `${HOST}:${port}`;
  if (!(await tcpOpen(HOST, port, 500))) return startDevServer(options);
  try {
    await checkExisting(address, namespace, Date.now() + 15_000);
  } catch (err) {
    throw new DevServerError(
      `Port ${port} on ${HOST} is taken by something that doesn't answer as a Temporal server (${errorMessage(err)}). Stop it, pick another port, or set TEMPORAL_ADDRESS.`,
      { cause: err },
    );
  }
  const uiPort = options.uiPort ?? port + 1000;
  const uiUrl = (await tcpOpen(HOST, uiPort, 300)) ? `http://${HOST}:${uiPort}` : undefined;
  return { ...notOwned(address, namespace), uiUrl };
}

async function checkExisting(address: string, namespace: string, deadline: number): Promise<void> {
  const connection = await connectWithin(address, deadline);
  try {
    await waitForSearchAttributes(connection, namespace, deadline);
  } finally {
    await connection.close();
  }
}

function notOwned(address: string, namespace: string): DevServer {
  return {
    address,
    namespace,
    owned: false,
    stop: async () => {},
    kill: () =>
      Promise.reject(
        new DevServerError(`Can't kill the Temporal server at ${address}: this process didn't start it`),
      ),
  };
}

/** Connects with a fresh Connection per attempt (gRPC's reconnect backoff would slow a single one down). */
async function connectWithin(
  address: string,
  deadline: number,
  abort?: () => string | undefined,
): Promise<Connection> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  let lastError: unknown = new Error('nothing listening');
  while (Date.now() < deadline) {
    const aborted = abort?.();
    if (aborted) throw new Error(aborted);
    if (await tcpOpen(host, port, 1000)) {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({
          address,
          connectTimeout: Math.max(1000, Math.min(3000, deadline - Date.now())),
        });
        await connection.workflowService.getSystemInfo({});
        return connection;
      } catch (err) {
        lastError = err;
        await connection?.close();
      }
    }
    await sleep(200);
  }
  throw new Error(`Temporal at ${address} did not answer within the time limit (${errorMessage(lastError)})`);
}

async function waitForSearchAttributes(
  connection: Connection,
  namespace: string,
  deadline: number,
): Promise<void> {
  for (;;) {
    try {
      if ((await missingSearchAttributes(connection, namespace)).length === 0) return;
      await ensureSearchAttributes(connection, namespace);
    } catch (err) {
      // The namespace may still be registering right after start; give up only at the deadline.
      if (err instanceof DevServerError || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`search attributes not visible in namespace "${namespace}"`);
    await sleep(200);
  }
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: timeoutMs });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
const lastLines = (text: string, n: number) => text.trimEnd().split('\n').slice(-n).join('\n');

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      db: { type: 'string' },
      headless: { type: 'boolean' },
    },
  });
  const log = (line: string) => console.log(line);
  if (positionals[0] === 'install') {
    const cli = await ensureTemporalCli(log);
    if (cli) return log(`Temporal CLI: ${cli}`);
    log(
      'Temporal CLI unavailable; the dev server will fall back to the Temporal SDK download (or set TEMPORAL_CLI / TEMPORAL_ADDRESS).',
    );
    // Without Go the SDK fallback still works; a Go that fails to build is worth a red exit.
    if (await findOnPath('go')) process.exitCode = 1;
    return;
  }
  if (positionals[0] === 'start') {
    const server = await ensureServer({
      port: values.port ? Number(values.port) : undefined,
      uiPort: values['ui-port'] ? Number(values['ui-port']) : undefined,
      dbFile: values.db,
      headless: values.headless,
      log,
    });
    log(
      `Temporal ${server.owned ? 'dev server started' : 'server already running'} at ${server.address} (namespace ${server.namespace})`,
    );
    if (server.uiUrl) log(`Web UI: ${server.uiUrl}`);
    if (!server.owned) return;
    if (server.dbFile) log(`Database: ${server.dbFile}`);
    log('Press Ctrl-C to stop.');
    const shutdown = () => void server.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    return;
  }
  throw new Error(
    'Usage: tsx scripts/dev-server.ts install | start [--port N] [--ui-port N] [--db FILE] [--headless]',
  );
}

function invokedDirectly(): boolean {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(errorMessage(err));
    process.exit(1);
  });
}
