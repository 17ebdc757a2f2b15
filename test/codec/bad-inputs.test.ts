import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecKeyError, parseCodecKeys, PayloadDecryptError } from '../../src/codec';
import { checkCodecServerSettings, CodecServerError } from '../../src/codec/server';
import { cli } from '../client/cli-helpers';
import { codecOf, newKey, startCodecServer, toJsonPayloads } from './codec-helpers';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

describe('BATON_CODEC_KEYS: bad keys are clear errors naming the variable', () => {
  it.each([
    ['set but empty', '  ', /BATON_CODEC_KEYS is set but empty/],
    ['not base64', `k1:not*base64!`, /entry 1 \(key id "k1"\) is not valid base64/],
    ['16 bytes, not 32', `k1:${b64(16)}`, /entry 1 \(key id "k1"\) is 16 bytes; AES-256 needs exactly 32/],
    ['duplicate id', `k1:${b64(32)},k1:${b64(32)}`, /names the key id "k1" twice/],
    ['an empty entry', `k2:${b64(32)},,k1:${b64(32)}`, /entry 2 is empty/],
    ['an empty key', 'k1:', /entry 1 \(key id "k1"\) has an empty key/],
    ['no id', b64(32), /entry 1 .* has no key id/],
    ['a bad id', `k 1:${b64(32)}`, /entry 1 has the key id "k 1", which is not/],
  ])('%s', (_name, value, message) => {
    const error = (() => {
      try {
        parseCodecKeys(value);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CodecKeyError);
    expect((error as Error).message).toMatch(message);
    expect((error as CodecKeyError).hint).toContain('BATON_CODEC_KEYS');
  });

  it('the first key encrypts; every listed key decrypts', async () => {
    const [k1, k2] = [newKey('k1'), newKey('k2')];
    const [sealed] = await codecOf(k1).encode([
      {
        metadata: { encoding: new TextEncoder().encode('json/plain') },
        data: new TextEncoder().encode('"x"'),
      },
    ]);
    const [opened] = await codecOf(`${k2},${k1}`).decode([sealed!]);
    expect(Buffer.from(opened!.data!).toString()).toBe('"x"');
    expect(
      Buffer.from(
        (await codecOf(`${k2},${k1}`).encode([opened!]))[0]!.metadata!['encryption-key-id']!,
      ).toString(),
    ).toBe('k2');
  });
});

describe('payloads the codec cannot open', () => {
  const k1 = newKey('k1');
  const plain = {
    metadata: { encoding: new TextEncoder().encode('json/plain') },
    data: new TextEncoder().encode('"secret"'),
  };

  it('a payload under a key id the process lacks names the id and the variable', async () => {
    const [sealed] = await codecOf(k1).encode([plain]);
    const error = await codecOf(newKey('k9'))
      .decode([sealed!])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadDecryptError);
    expect((error as Error).message).toBe(
      'A payload is encrypted with the key id "k1", which BATON_CODEC_KEYS does not hold (it holds: k9).',
    );
  });

  it('an altered payload fails authentication; the same id with another key does too', async () => {
    const [sealed] = await codecOf(k1).encode([plain]);
    const data = new Uint8Array(sealed!.data!);
    data[20]! ^= 1;
    await expect(codecOf(k1).decode([{ ...sealed!, data }])).rejects.toThrow(/authentication failed/);
    await expect(codecOf(newKey('k1')).decode([sealed!])).rejects.toThrow(
      /does not decrypt with the key id "k1"/,
    );
  });

  it('a truncated payload says so', async () => {
    const [sealed] = await codecOf(k1).encode([plain]);
    await expect(codecOf(k1).decode([{ ...sealed!, data: sealed!.data!.slice(0, 10) }])).rejects.toThrow(
      /too short/,
    );
  });

  it('plaintext payloads (history from before the codec) pass through', async () => {
    expect(await codecOf(k1).decode([plain])).toEqual([plain]);
  });
});

describe('the codec server over HTTP', () => {
  const TOKEN = 'right-token';
  let server: Awaited<ReturnType<typeof startCodecServer>>;
  beforeAll(async () => {
    server = await startCodecServer(newKey('k1'), TOKEN, ['http://localhost:8233']);
  });
  afterAll(() => server.close());

  const body = JSON.stringify({
    payloads: toJsonPayloads([
      { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('1') },
    ]),
  });
  const post = (path: string, headers: Record<string, string>, text = body) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: text,
    });

  it('refuses a missing or wrong token with 401', async () => {
    const missing = await post('/decode', {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await missing.json()) as { message: string }).message).toContain('BATON_CODEC_TOKEN');
    expect((await post('/encode', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/decode', { Authorization: TOKEN })).status).toBe(401);
    expect((await post('/decode', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it("answers the Web UI's CORS preflight, and refuses other origins", async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:8233',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(
      /Authorization.*Content-Type.*X-Namespace/,
    );
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const answer = await post('/decode', {
      Origin: 'http://localhost:8233',
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const other = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example' },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects a bad body (400), an unknown path (404) and a GET (405)', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const notJson = await post('/decode', auth, 'not json');
    expect(notJson.status).toBe(400);
    const badShape = await post('/decode', auth, JSON.stringify({ payloads: [{ data: '***' }] }));
    expect(badShape.status).toBe(400);
    expect(((await badShape.json()) as { message: string }).message).toContain('payloads.0.data');
    expect((await post('/other', auth)).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: auth })).status).toBe(405);
  });

  it('refuses to start without a token, or with --no-auth off loopback', () => {
    expect(() =>
      checkCodecServerSettings({ host: '127.0.0.1', port: 0, noAuth: false, token: undefined }),
    ).toThrow(CodecServerError);
    expect(() =>
      checkCodecServerSettings({ host: '0.0.0.0', port: 0, noAuth: true, token: undefined }),
    ).toThrow(/--no-auth is allowed only on a loopback host, not --host 0.0.0.0/);
    expect(() =>
      checkCodecServerSettings({ host: '::1', port: 0, noAuth: true, token: undefined }),
    ).not.toThrow();
  });
});

describe('baton codec-server, the process', () => {
  const { baton } = cli({ taskQueue: 'unused', workspaceRoot: '/tmp' });

  it('does not start without BATON_CODEC_TOKEN, nor with a bad key', async () => {
    const noToken = await baton(['codec-server', '--port', '0'], {
      BATON_CODEC_KEYS: newKey('k1'),
      BATON_CODEC_TOKEN: '',
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('BATON_CODEC_TOKEN is not set');
    const badKey = await baton(['codec-server', '--no-auth', '--port', '0'], {
      BATON_CODEC_KEYS: `k1:${b64(31)}`,
    });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('BATON_CODEC_KEYS entry 1 (key id "k1") is 31 bytes');
    const noKeys = await baton(['codec-server', '--no-auth', '--port', '0'], { BATON_CODEC_KEYS: '' });
    expect(noKeys.stderr).toContain('BATON_CODEC_KEYS is set but empty');
  });
});
