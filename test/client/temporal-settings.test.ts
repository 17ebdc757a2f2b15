import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connect } from '../../src/client/connect';
import { ServerUnreachableError } from '../../src/client/errors';
import {
  connectionSecurity,
  plaintextAt,
  temporalSettings,
  TemporalSettingsError,
} from '../../src/shared/temporal-settings';
import { cli } from './cli-helpers';

const read = (path: string) => readFileSync(path);

function refusal(fn: () => unknown): TemporalSettingsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemporalSettingsError);
    return error as TemporalSettingsError;
  }
  throw new Error('expected a TemporalSettingsError');
}

describe('temporalSettings', () => {
  it('defaults to the public contract, reads the environment, and lets overrides win', () => {
    expect(temporalSettings({})).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'baton',
    });
    const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'prod', BATON_TASK_QUEUE: 'q' };
    expect(temporalSettings(env)).toEqual({ address: 'temporal:7233', namespace: 'prod', taskQueue: 'q' });
    expect(temporalSettings(env, { taskQueue: 'mine' }).taskQueue).toBe('mine');
  });

  it('turns TLS on for certificates, a CA, a server name or an API key, and not otherwise', () => {
    expect(temporalSettings({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }).tls).toBeUndefined();
    expect(temporalSettings({ TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(temporalSettings({ TEMPORAL_TLS_CA: '/ca.pem' }).tls).toEqual({ caFile: '/ca.pem' });
    expect(temporalSettings({ TEMPORAL_TLS_CERT: '/c.pem', TEMPORAL_TLS_KEY: '/k.pem' }).tls).toEqual({
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    // Temporal Cloud: an API key implies TLS with the system's roots.
    expect(temporalSettings({ TEMPORAL_API_KEY: 'secret' })).toMatchObject({ tls: {}, apiKey: 'secret' });
  });

  it('refuses a certificate without its key (and the reverse), naming the variables', () => {
    const noKey = refusal(() => temporalSettings({ TEMPORAL_TLS_CERT: '/c.pem' }));
    expect(noKey.message).toBe('TEMPORAL_TLS_CERT is set (/c.pem) but TEMPORAL_TLS_KEY is not.');
    expect(noKey.hint).toContain('set TEMPORAL_TLS_KEY');
    const noCert = refusal(() => temporalSettings({ TEMPORAL_TLS_KEY: '/k.pem' }));
    expect(noCert.message).toContain('TEMPORAL_TLS_KEY is set (/k.pem) but TEMPORAL_TLS_CERT is not');
  });

  it('refuses TEMPORAL_TLS values that are not booleans, and TEMPORAL_TLS=false with TLS settings', () => {
    expect(refusal(() => temporalSettings({ TEMPORAL_TLS: 'maybe' })).message).toContain(
      'TEMPORAL_TLS="maybe"',
    );
    expect(
      refusal(() => temporalSettings({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).message,
    ).toContain('TEMPORAL_TLS=false');
  });

  it('builds the connection options from the files, and names the variable of one it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-tls-'));
    const files = { cert: join(dir, 'c.pem'), key: join(dir, 'k.pem'), ca: join(dir, 'ca.pem') };
    await Promise.all([
      writeFile(files.cert, 'CERT'),
      writeFile(files.key, 'KEY'),
      writeFile(files.ca, 'CA'),
    ]);
    const settings = temporalSettings({
      TEMPORAL_TLS_CERT: files.cert,
      TEMPORAL_TLS_KEY: files.key,
      TEMPORAL_TLS_CA: files.ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      TEMPORAL_API_KEY: 'secret',
    });
    const security = connectionSecurity(settings, read);
    const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();
    expect(text(security.tls?.clientCertPair?.crt)).toBe('CERT');
    expect(text(security.tls?.clientCertPair?.key)).toBe('KEY');
    expect(text(security.tls?.serverRootCACertificate)).toBe('CA');
    expect(security.tls?.serverNameOverride).toBe('temporal.internal');
    expect(security.apiKey).toBe('secret');
    expect(connectionSecurity(temporalSettings({}), read)).toEqual({});
    expect(connectionSecurity(plaintextAt(settings, '127.0.0.1:7233'), read)).toEqual({});

    const missing = temporalSettings({ TEMPORAL_TLS_CA: join(dir, 'nope.pem') });
    const error = refusal(() => connectionSecurity(missing, read));
    expect(error.message).toMatch(/^TEMPORAL_TLS_CA=.*nope\.pem cannot be read: ENOENT/);
  });
});

describe('a client with TLS settings against the plaintext dev server', () => {
  it('fails to connect with a message that names TLS and says a plaintext server needs it off', async () => {
    const settings = temporalSettings({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TLS: 'true' });
    const error = await connect({ settings, queryTimeoutMs: 1000 }).then(
      (baton) => baton.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as ServerUnreachableError).message).toBe(
      `Cannot reach a Temporal server at ${inject('temporalAddress')} (TLS).`,
    );
    expect((error as ServerUnreachableError).hint).toContain('a plaintext server');
  });

  it('the CLI prints the settings problem and its hint, naming the variable, before connecting', async () => {
    const { baton } = cli({ taskQueue: 'tls', workspaceRoot: tmpdir() });
    const result = await baton(['status', 'some-run'], { TEMPORAL_TLS_CERT: '/c.pem' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: TEMPORAL_TLS_CERT is set (/c.pem) but TEMPORAL_TLS_KEY is not.\n' +
        '  A client certificate needs its private key: set TEMPORAL_TLS_KEY to the key file, or unset TEMPORAL_TLS_CERT.\n',
    );
  });
});
