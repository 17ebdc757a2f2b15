/** Listens, prints the URL, and shuts down on SIGINT/SIGTERM (in-flight requests finish first). */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './principal';

export interface ServeOptions {
  app: Hono | Hono<AppEnv>;
  host: string;
  port: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function listen({ app, host, port }: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      const shown = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shown}:${info.port}`,
        close: () => new Promise<void>((done) => (server ? server.close(() => done()) : done())),
      });
    });
    server.once('error', reject);
  });
}

/** Resolves when the process is told to stop. */
export const stopSignal = () =>
  new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
