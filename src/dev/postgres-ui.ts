import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { errorMessage, freePort, HOST, sleep, tcpOpen } from './net';
import { guardWithWatchdog, terminate } from './processes';
import { ensureGoTool, UI_SERVER } from './go-tools';
import { trackChild } from './postgres-db';

/**
 * The Temporal Web UI for the PostgreSQL server: github.com/temporalio/ui-server, built once with
 * `go install` (its assets are embedded). Optional: when it does not build or start, the server
 * runs without it and the reason is logged.
 */
export async function startWebUi(
  dir: string,
  frontend: string,
  namespace: string,
  log: (line: string) => void,
): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  let binary: string;
  try {
    binary = await ensureGoTool(UI_SERVER, log);
  } catch (err) {
    log(`No Web UI: the UI server does not build here (${errorMessage(err)}).`);
    return undefined;
  }
  const port = await freePort();
  const configDir = join(dir, 'ui-config');
  mkdirSync(configDir, { recursive: true });
  const config = {
    temporalGrpcAddress: frontend,
    host: HOST,
    port,
    enableUi: true,
    defaultNamespace: namespace,
  };
  writeFileSync(
    join(configDir, 'development.yaml'),
    stringify({ ...config, cors: { allowOrigins: [`http://${HOST}:${port}`] } }),
  );
  const logFile = join(dir, 'ui-server.log');
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    binary,
    ['--root', dir, '--config', 'ui-config', '--env', 'development', 'start'],
    {
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  if (child.pid !== undefined) guardWithWatchdog(child.pid);
  trackChild(child);
  const deadline = Date.now() + 15_000;
  while (!(await tcpOpen(HOST, port, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await terminate(child, 0);
      log(`No Web UI: the UI server did not start; see ${logFile}.`);
      return undefined;
    }
    await sleep(200);
  }
  return { url: `http://${HOST}:${port}`, stop: () => terminate(child, 5_000) };
}
