import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { batonHome } from '../config/home';
import { registrationOf, SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { plaintextAt, temporalSettings, type TemporalSettings } from '../shared/temporal-settings';
import { WorkerSetupError } from '../workers/errors';
import { ensureSearchAttributes, missingSearchAttributes } from '../workers/search-attributes';
import { connectWithin, errorMessage, HOST, sleep, tcpOpen } from './net';
import { childPidsMatching, guardWithWatchdog, readText, terminate } from './processes';
import { cacheDir, cachedCliPath, CLI_VERSION, ensureTemporalCli, lastLines } from './temporal-cli';
import { HintedError } from '../shared/hinted-error';
import { devServerTuningArgs } from './server-tuning';

/** Starting (or finding) the Temporal server for `npm start`, `npm test` and `baton dev`. */

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

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

/** No server could be started or reached; `hint` says what to do. */
export class DevServerError extends HintedError {
  override name = 'DevServerError';
  /** What the server that failed to start had logged, when this process started it. */
  log?: string;
  /** True when that server exited on its own before it served (rather than timing out). */
  exited?: boolean;
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
    namespace: temporalSettings(process.env).namespace,
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
      `Could not start a Temporal dev server: the Temporal CLI is not available and the SDK could not download one (${errorMessage(err)}).`,
      [
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

/** A dev server's own settings: plaintext on 127.0.0.1, whatever TLS the environment asks of others. */
const local = (address: string, namespace: string): TemporalSettings =>
  plaintextAt({ ...temporalSettings({}), namespace }, address);

/** Start attempts when the server dies of a port clash or a panic while it starts (see `startClash`). */
const START_ATTEMPTS = 3;

/**
 * Whether a start that died at once is worth another. The CLI picks four or five ports of its own
 * (HTTP, metrics, the internal services) as it starts, and another process can take one between
 * the pick and the bind; a new start picks new ports. A Go panic while starting gets another start
 * too (CI has seen one, exit 2 inside the server's start-up, whose first lines were not kept): a
 * start costs about a second, and a failure that persists still fails after three, with its cause.
 */
export const startClash = (log: string) =>
  /address already in use|failed assigning ephemeral port|can't set .* port|^panic: /im.test(log);

/** The line of a server log that says why it stopped (a Go panic or a fatal log), if there is one. */
export function causeLine(log: string): string | undefined {
  const lines = log.split('\n');
  return (
    lines.find((l) => /^panic: /.test(l)) ??
    lines.find((l) => /address already in use|"level":"(fatal|error)"|^Error: /i.test(l))
  )?.trim();
}

async function startWithCli(cli: string, s: Settings): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCliOnce(cli, s);
    } catch (err) {
      const log = (err instanceof DevServerError && err.exited && err.log) || '';
      if (attempt >= START_ATTEMPTS || !startClash(log)) throw err;
      s.log(
        `Temporal dev server on ${HOST}:${s.port} died while starting (${causeLine(log) ?? 'exit'}); starting it again (attempt ${attempt + 1} of ${START_ATTEMPTS})…`,
      );
    }
  }
}

async function startCliOnce(cli: string, s: Settings): Promise<DevServer> {
  const address = `${HOST}:${s.port}`;
  const logFile = s.dbFile.replace(/\.db$/, '') + '.log';
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(s.port), '--db-filename', s.dbFile];
  args.push('--log-level', 'warn', ...(s.headless ? ['--headless'] : ['--ui-port', String(s.uiPort)]));
  for (const key of SEARCH_ATTRIBUTES)
    args.push('--search-attribute', `${key.name}=${registrationOf(key).cli}`);
  if (s.namespace !== 'default') args.push('--namespace', s.namespace);
  args.push(...devServerTuningArgs());

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
    const connection = await connectWithin(local(address, s.namespace), deadline, () => exited);
    try {
      await waitForSearchAttributes(connection, s.namespace, deadline);
    } finally {
      await connection.close();
    }
  } catch (err) {
    state = 'stopping';
    await terminate(child, 0);
    const log = readText(logFile);
    const cause = causeLine(log);
    const error = new DevServerError(
      `Temporal dev server failed to start on ${address}: ${errorMessage(err)}${cause ? ` (${cause})` : ''}`,
      `See its log; the last lines of ${logFile}:\n${lastLines(log, 30)}`,
      { cause: err },
    );
    error.log = log;
    error.exited = exited !== undefined;
    throw error;
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

async function startWithSdk(s: Settings): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: HOST,
      port: s.port,
      ui: !s.headless,
      uiPort: s.headless ? undefined : s.uiPort,
      dbFilename: s.dbFile,
      namespace: s.namespace,
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: devServerTuningArgs(),
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

/**
 * If TEMPORAL_ADDRESS is set, checks that server (with the environment's TLS settings). Otherwise
 * reuses a server already answering on 127.0.0.1:<port>, or starts one. Search attributes are
 * ensured either way.
 */
export async function ensureServer(options: DevServerOptions = {}): Promise<DevServer> {
  const settings = temporalSettings(process.env);
  const { namespace } = settings;
  const remote = process.env.TEMPORAL_ADDRESS;
  if (remote) {
    try {
      await checkExisting(settings, Date.now() + 30_000);
    } catch (err) {
      throw new DevServerError(
        `TEMPORAL_ADDRESS=${remote}: ${errorMessage(err)}.`,
        'Start that server, or unset TEMPORAL_ADDRESS to use a local dev server.',
        { cause: err },
      );
    }
    return notOwned(remote, namespace);
  }
  const port = options.port ?? 7233;
  const address = `${HOST}:${port}`;
  if (!(await tcpOpen(HOST, port, 500))) return startDevServer(options);
  try {
    await checkExisting(local(address, namespace), Date.now() + 15_000);
  } catch (err) {
    throw new DevServerError(
      `Port ${port} on ${HOST} is taken by something that doesn't answer as a Temporal server (${errorMessage(err)}).`,
      'Stop it, pick another port, or set TEMPORAL_ADDRESS.',
      { cause: err },
    );
  }
  const uiPort = options.uiPort ?? port + 1000;
  const uiUrl = (await tcpOpen(HOST, uiPort, 300)) ? `http://${HOST}:${uiPort}` : undefined;
  return { ...notOwned(address, namespace), uiUrl };
}

async function checkExisting(settings: TemporalSettings, deadline: number): Promise<void> {
  const connection = await connectWithin(settings, deadline);
  try {
    await waitForSearchAttributes(connection, settings.namespace, deadline);
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
        new DevServerError(
          `Can't kill the Temporal server at ${address}: this process didn't start it.`,
          'Kill it where it was started.',
        ),
      ),
  };
}

export async function waitForSearchAttributes(
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
      if (err instanceof WorkerSetupError || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`search attributes not visible in namespace "${namespace}"`);
    await sleep(200);
  }
}
