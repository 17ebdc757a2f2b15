/**
 * TLS and mTLS between Baton and Temporal. The dev server of CLI v1.5.1 cannot serve TLS (its
 * `server start-dev` has no TLS flags), so a TLS-terminating proxy (node:tls, ALPN h2) stands in
 * front of it: the client and the worker speak real TLS, with real certificates made by openssl,
 * exactly as they would to a TLS Temporal frontend.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, startRun, waitForResult } from '../../src/client/runs';
import { temporalSettings, type TemporalSettings } from '../../src/shared/temporal-settings';
import { createBatonWorker } from '../../src/workers/worker';
import { testAgents } from '../helpers/agents';
import { definition, uniqueId } from '../helpers/env';

const run = promisify(execFile);
let dir = '';
const proxies: Server[] = [];

/** A CA, a server certificate for localhost / 127.0.0.1, and a client certificate, all by openssl. */
async function makeCertificates(): Promise<void> {
  const ssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=baton-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  for (const [name, subject, ext] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ['client', '/CN=baton-worker', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    await ssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]);
    await run('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    await ssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]);
  }
}

/** Listens with TLS on a free loopback port and forwards the decrypted bytes to the dev server. */
async function tlsProxy(mutual: boolean): Promise<string> {
  const [host, port] = inject('temporalAddress').split(':') as [string, string];
  const server = createServer(
    {
      key: await readFile(join(dir, 'server.key')),
      cert: await readFile(join(dir, 'server.pem')),
      ca: await readFile(join(dir, 'ca.pem')),
      requestCert: mutual,
      rejectUnauthorized: mutual,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      const upstream = netConnect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxies.push(server);
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-tls-'));
  await makeCertificates();
}, 60_000);
afterAll(() => {
  for (const proxy of proxies) proxy.close();
});

/** The settings the environment variables give (the way users configure it). */
const settingsFrom = (env: Record<string, string>, taskQueue: string): TemporalSettings =>
  temporalSettings(env, { taskQueue });

/** Runs one pipeline with the client and the worker both connected through `settings`. */
async function runThrough(settings: TemporalSettings): Promise<string> {
  const baton = await connect({ settings });
  const worker = await createBatonWorker({
    settings,
    bundle: { codePath: inject('workflowBundlePath') },
    agents: testAgents(),
    workspaceRoot: await mkdtemp(join(tmpdir(), 'baton-tls-ws-')),
  });
  try {
    return await worker.runUntil(async () => {
      const { workflowId } = await startRun(baton, {
        agents: testAgents().map((a) => a.name),
        definition: definition([{ id: 'only', agent: 'echo', input: { text: 'over tls' } }]),
      });
      return (await waitForResult(baton, workflowId)).state;
    });
  } finally {
    await baton.close();
  }
}

describe('TLS to Temporal', () => {
  it('a client and a worker run a pipeline over TLS with a private CA', async () => {
    const address = await tlsProxy(false);
    const env = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    expect(await runThrough(settingsFrom(env, uniqueId('tls')))).toBe('completed');
  }, 120_000);

  it('mTLS: with the client certificate the run completes; without it the connection is refused', async () => {
    const address = await tlsProxy(true);
    const base = {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
    const mutual = {
      ...base,
      TEMPORAL_TLS_CERT: join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY: join(dir, 'client.key'),
    };
    expect(await runThrough(settingsFrom(mutual, uniqueId('mtls')))).toBe('completed');

    const noCertificate = await connect({ settings: settingsFrom(base, 'x') }).then(
      () => 'connected',
      (error: unknown) => (error as Error).message,
    );
    expect(noCertificate).toContain(`Cannot reach a Temporal server at ${address}`);
    expect(noCertificate).toContain('TEMPORAL_TLS_CA=');
  }, 120_000);

  it('a plaintext client is refused by a TLS server, and the hint says how to turn TLS on', async () => {
    const address = await tlsProxy(false);
    const message = await connect({ settings: settingsFrom({ TEMPORAL_ADDRESS: address }, 'x') }).then(
      () => 'connected',
      (error: unknown) => `${(error as Error).message}\n${(error as { hint?: string }).hint ?? ''}`,
    );
    expect(message).toContain(`Cannot reach a Temporal server at ${address}`);
    expect(message).toContain('A server that speaks TLS needs TEMPORAL_TLS=true');
  }, 60_000);
});
