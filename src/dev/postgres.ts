import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { plaintextAt, temporalSettings } from '../shared/temporal-settings';
import { connectWithin, errorMessage, freePort, sleep } from './net';
import { guardWithWatchdog, readText, terminate } from './processes';
import { DevServerError, waitForSearchAttributes } from './server';
import { lastLines } from './temporal-cli';
import { ensureGoTool, serverModuleDir, SQL_TOOL, TEMPORAL_SERVER } from './go-tools';
import { dynamicConfigYaml, pickPorts, serverConfigYaml } from './postgres-config';
import { ensurePostgresBinaries, migrate, Postgres, postgresOsUser, trackChild } from './postgres-db';
import { startWebUi } from './postgres-ui';

/**
 * Temporal on PostgreSQL, natively (no Docker): a PostgreSQL of its own, the Temporal server
 * built from its Go module, Baton's namespace and search attributes, and the Web UI when it builds.
 * For users who outgrow the dev server's SQLite store (docs/postgres.md).
 */

const START_TIMEOUT_MS = 120_000;
const RETENTION_SECONDS = 3 * 24 * 3600; // as `temporal operator namespace create` defaults

export interface PostgresTemporalOptions {
  /** Where PostgreSQL's cluster, the configs and the logs live; a temp dir (removed on stop) by default. */
  dir?: string;
  /** The frontend's port; a free one by default. */
  port?: number;
  namespace?: string;
  /** Start the Web UI (default true). */
  ui?: boolean;
  log?: (line: string) => void;
}

export interface PostgresTemporal {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** PostgreSQL's 127.0.0.1:port. */
  postgresAddress: string;
  dir: string;
  serverLog: string;
  /** SIGKILLs the Temporal server (PostgreSQL keeps running). */
  killServer(): Promise<void>;
  /** Starts the Temporal server again on the same config and waits until it serves. */
  restartServer(): Promise<void>;
  /** A fast PostgreSQL restart (stop, start) under the running Temporal server. */
  restartPostgres(): Promise<void>;
  /** Stops everything this started; removes the dir when it was a temp dir. */
  stop(): Promise<void>;
}

export async function startPostgresTemporal(
  options: PostgresTemporalOptions = {},
): Promise<PostgresTemporal> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? temporalSettings(process.env).namespace;
  const temporary = options.dir === undefined;
  const dir = options.dir ? resolve(options.dir) : await mkdtemp(join(tmpdir(), 'baton-pg-'));
  mkdirSync(dir, { recursive: true });

  const [binDir, serverBin, sqlTool] = [
    await ensurePostgresBinaries(log),
    await ensureGoTool(TEMPORAL_SERVER, log),
    await ensureGoTool(SQL_TOOL, log),
  ];
  const ports = await pickPorts(options.port);
  const pg = new Postgres({
    binDir,
    dataDir: join(dir, 'pgdata'),
    port: await pgPort(dir),
    logFile: join(dir, 'postgres.log'),
    user: await postgresOsUser(),
  });
  let server: ChildProcess | undefined;
  let ui: { url: string; stop(): Promise<void> } | undefined;
  const stop = async () => {
    await ui?.stop();
    if (server) await terminate(server, 10_000);
    await pg.stop();
    if (temporary) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const fresh = await pg.init();
    await pg.start();
    log(`PostgreSQL at ${pg.address} (data ${join(dir, 'pgdata')})`);
    await migrate(sqlTool, pg.address, join(await serverModuleDir(), 'schema/postgresql/v12'), fresh);
    const configFile = join(dir, 'temporal-server.yaml');
    const dynamicFile = join(dir, 'dynamic-config.yaml');
    writeFileSync(dynamicFile, dynamicConfigYaml());
    writeFileSync(configFile, serverConfigYaml(ports, pg.address, dynamicFile));
    const serverLog = join(dir, 'temporal-server.log');
    const address = `127.0.0.1:${ports.frontend}`;

    const startServer = async () => {
      const fd = openSync(serverLog, 'a');
      const child = spawn(serverBin, ['--config-file', configFile, '--allow-no-auth', 'start'], {
        stdio: ['ignore', fd, fd],
        cwd: dir,
      });
      closeSync(fd);
      server = child;
      if (child.pid !== undefined) guardWithWatchdog(child.pid);
      trackChild(child);
      let exited: string | undefined;
      child.once('exit', (code, signal) => (exited = `the Temporal server exited (${code ?? signal})`));
      try {
        const connection = await connectWithin(
          plaintextAt(temporalSettings({}), address),
          Date.now() + START_TIMEOUT_MS,
          () => exited,
        );
        try {
          await ensureNamespace(connection, namespace, Date.now() + START_TIMEOUT_MS);
        } finally {
          await connection.close();
        }
      } catch (err) {
        throw new DevServerError(
          `Temporal on PostgreSQL failed to start on ${address}: ${errorMessage(err)}`,
          `The last lines of ${serverLog}:\n${lastLines(readText(serverLog), 30)}`,
          { cause: err },
        );
      }
    };
    await startServer();
    log(`Temporal server ${address} (namespace ${namespace}), log ${serverLog}`);
    if (options.ui !== false) ui = await startWebUi(dir, address, namespace, log);
    return {
      address,
      namespace,
      uiUrl: ui?.url,
      postgresAddress: pg.address,
      dir,
      serverLog,
      killServer: async () => {
        if (server) await terminate(server, 0);
      },
      restartServer: async () => {
        if (server) await terminate(server, 10_000);
        await startServer();
      },
      restartPostgres: () => pg.restart(),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** PostgreSQL's port: the one a reused dir used before (kept in a file), else a free one. */
async function pgPort(dir: string): Promise<number> {
  const file = join(dir, 'postgres.port');
  const kept = Number(readText(file).trim());
  if (kept > 0) return kept;
  const port = await freePort();
  writeFileSync(file, String(port));
  return port;
}

/** Registers the namespace (once) and Baton's search attributes, and waits until both are visible. */
async function ensureNamespace(connection: Connection, namespace: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      break;
    } catch {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(RETENTION_SECONDS * 1000),
        });
      } catch (err) {
        // ALREADY_EXISTS (6): registered meanwhile, or by an earlier start on this dir.
        if ((err as { code?: number }).code !== 6 && Date.now() > deadline) throw err;
      }
    }
    if (Date.now() > deadline) throw new Error(`namespace "${namespace}" not visible`);
    await sleep(300);
  }
  await waitForSearchAttributes(connection, namespace, deadline);
}
