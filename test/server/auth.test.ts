/**
 * The auth layer over real HTTP (createApp on a free loopback port, fetch): Bearer tokens, the
 * login cookie, CSRF on cookie writes, the login rate limit, publicRead, and the 401 bodies.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app';
import { createAuth, hashToken, mintToken, requirePrincipal, SESSION_COOKIE } from '../../src/server/auth';
import { tokenLines } from '../../src/server/auth/token-command';
import type { AppEnv } from '../../src/server/principal';
import { listen, type RunningServer } from '../../src/server/serve';

const alice = mintToken();
const bob = mintToken();
const roles = { lead: ['alice'], ops: ['alice', 'bob'] };

/** Stand-ins for the console and MCP sub-apps: they show who the request is. */
function probe(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/whoami', (c) => c.json({ principal: c.get('principal') ?? null }));
  app.post('/write', (c) => c.json({ wrote: requirePrincipal(c).user }));
  return app;
}

const servers: RunningServer[] = [];
async function serve(publicRead: boolean, loginFailuresPerMinute = 10): Promise<string> {
  const auth = createAuth({
    users: { alice: { tokenSha256: alice.tokenSha256 }, bob: { tokenSha256: bob.tokenSha256 } },
    roles,
    loginFailuresPerMinute,
  });
  const mcp = probe();
  const server = await listen({
    app: createApp({ auth, publicRead, console: probe(), mcp }),
    host: '127.0.0.1',
    port: 0,
  });
  servers.push(server);
  return server.url;
}
let url: string;
let openUrl: string;
beforeAll(async () => {
  url = await serve(false);
  openUrl = await serve(true);
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const cookieOf = (res: Response) => /baton_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

async function login(base: string, token: string) {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return { res, cookie: cookieOf(res) };
}

describe('tokens', () => {
  it('mints random tokens and prints the config lines with only the hash', () => {
    expect(alice.token).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(alice.token).not.toBe(bob.token);
    expect(alice.tokenSha256).toBe(hashToken(alice.token));
    const text = tokenLines('carol', alice).join('\n');
    expect(text).toContain(`    carol:\n      tokenSha256: ${alice.tokenSha256}`);
    expect(text.split(alice.token)).toHaveLength(2); // the token itself once
  });
});

describe('Bearer tokens', { concurrent: true }, () => {
  it('authenticate as the token’s user, with the roles that list them', async () => {
    const res = await fetch(`${url}/mcp/whoami`, { headers: bearer(alice.token) });
    expect(await res.json()).toEqual({ principal: { user: 'alice', roles: ['lead', 'ops'], via: 'token' } });
    const asBob = await fetch(`${url}/whoami`, { headers: bearer(bob.token) });
    expect(await asBob.json()).toEqual({ principal: { user: 'bob', roles: ['ops'], via: 'token' } });
  });

  it('answer a missing, malformed or unknown token with a 401 that says how to authenticate', async () => {
    const none = await fetch(`${url}/mcp/whoami`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await none.json()) as { error: string; hint: string };
    expect(body.error).toBe('authentication required');
    expect(body.hint).toMatch(/Authorization: Bearer <token>.*baton serve token <user>.*\/login/);
    const basic = await fetch(`${url}/whoami`, { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { error: string }).error).toMatch(/not `Bearer <token>`/);
    const wrong = await fetch(`${url}/whoami`, { headers: bearer(`${alice.token}x`) });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/not one of this server's tokens/);
  });

  it('are not subject to the CSRF check, even for a cross-site form post', async () => {
    const res = await fetch(`${url}/mcp/write`, {
      method: 'POST',
      headers: {
        ...bearer(bob.token),
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'x=1',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ wrote: 'bob' });
  });
});

describe('the login cookie', { concurrent: true }, () => {
  it('is set by a JSON login (HttpOnly, SameSite=Strict), authenticates, and stops working at logout', async () => {
    const { res, cookie } = await login(url, alice.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: 'alice', roles: ['lead', 'ops'] });
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toContain(alice.token);
    const headers = { cookie: `${SESSION_COOKIE}=${cookie}` };
    const me = await fetch(`${url}/mcp/whoami`, { headers });
    expect(await me.json()).toEqual({ principal: { user: 'alice', roles: ['lead', 'ops'], via: 'cookie' } });
    const out = await fetch(`${url}/logout`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
    });
    expect(await out.json()).toEqual({ loggedOut: true });
    expect(out.headers.get('set-cookie')).toMatch(/baton_session=;.*Max-Age=0/);
    expect((await fetch(`${url}/mcp/whoami`, { headers })).status).toBe(401);
  });

  it('is set by a form login from this origin, which redirects to a local next (never off-site)', async () => {
    const form = (next: string) =>
      fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
        body: new URLSearchParams({ token: bob.token, next }).toString(),
      });
    const local = await form('/runs/abc');
    expect(local.status).toBe(303);
    expect(local.headers.get('location')).toBe('/runs/abc');
    expect(cookieOf(local)).toBeTruthy();
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example'])
      expect((await form(next)).headers.get('location')).toBe('/');
    const bad = await fetch(`${url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: 'token=nope',
    });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe('/login?error=bad-token');
    expect(cookieOf(bad)).toBeUndefined();
  });

  it('refuses cross-site form writes with it (CSRF) and a cross-site form login, as JSON 403s', async () => {
    const { cookie } = await login(url, bob.token);
    const post = (origin: string) =>
      fetch(`${url}/write`, {
        method: 'POST',
        headers: {
          cookie: `${SESSION_COOKIE}=${cookie}`,
          'content-type': 'application/x-www-form-urlencoded',
          origin,
        },
        body: 'x=1',
      });
    const evil = await post('https://evil.example');
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: string }).error).toMatch(/cross-site request refused/);
    const same = await post(url);
    expect(await same.json()).toEqual({ wrote: 'bob' });
    const forcedLogin = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ token: bob.token }).toString(),
    });
    expect(forcedLogin.status).toBe(403);
    expect(cookieOf(forcedLogin)).toBeUndefined();
  });

  it('is refused for a login without a token, naming the field', async () => {
    const res = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      problems: [{ field: 'token', message: expect.stringMatching(/token is required/) }],
    });
  });
});

describe('the login rate limit', () => {
  it('answers 429 with Retry-After after too many failures from one address, even for a good token', async () => {
    const limited = await serve(false, 3);
    for (let i = 0; i < 3; i++) expect((await login(limited, 'wrong')).res.status).toBe(401);
    const { res, cookie } = await login(limited, alice.token);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /too many failed logins from 127\.0\.0\.1; try again in \d+s/,
    );
    expect(cookie).toBeUndefined();
  });
});

describe('publicRead', { concurrent: true }, () => {
  it('lets reads through without a principal, but never writes', async () => {
    expect(await (await fetch(`${openUrl}/mcp/whoami`)).json()).toEqual({ principal: null });
    const write = await fetch(`${openUrl}/mcp/write`, { method: 'POST' });
    expect(write.status).toBe(401);
    expect((await fetch(`${url}/mcp/whoami`)).status).toBe(401);
  });

  it('still rejects a bad token rather than reading anonymously', async () => {
    expect((await fetch(`${openUrl}/whoami`, { headers: bearer('baton_nope') })).status).toBe(401);
  });
});
