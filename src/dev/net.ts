import { readFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { connectionSecurity, type TemporalSettings } from '../shared/temporal-settings';

export const HOST = '127.0.0.1';

/**
 * A free TCP port on 127.0.0.1, held back from other processes' port-0 binds for a minute.
 *
 * Listening on port 0 and closing would hand the number back to the kernel's ephemeral pool at
 * once: a Temporal dev server asks for four or five more ports of its own while it starts, and one
 * of those can be this very port, so the server dies with "address already in use". Accepting one
 * connection and closing it from the listening side first leaves it in TIME_WAIT, which the kernel
 * skips when it picks ephemeral ports, while an explicit bind with SO_REUSEADDR (Go's and Node's
 * default for listeners) still succeeds. The Temporal CLI reserves its own ports the same way.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // The listening side closes first, so the TIME_WAIT is held on the listening port.
    server.once('connection', (socket) => socket.destroy());
    server.listen(0, HOST, () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('no port'));
      const client = tcpConnect({ host: HOST, port: address.port });
      client.once('error', () => {});
      client.once('close', () => server.close(() => resolve(address.port)));
      client.resume();
    });
  });
}

export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
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

/**
 * Connects with a fresh Connection per attempt (gRPC's reconnect backoff would slow a single one
 * down) until the server answers or the deadline passes. `abort` ends the wait early with its reason.
 */
export async function connectWithin(
  settings: TemporalSettings,
  deadline: number,
  abort?: () => string | undefined,
): Promise<Connection> {
  const { address } = settings;
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(separator + 1));
  const security = connectionSecurity(settings, (path) => readFileSync(path));
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
          ...security,
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
