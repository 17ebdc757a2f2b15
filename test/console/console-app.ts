/**
 * The console served for the tests on a free loopback port, with two users: alice (role lead, an
 * approver) and bob (no role). Until the REST API's createApp is merged, a small stand-in of its
 * auth layer (Bearer token or login cookie → principal; POST /login, /logout).
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { BatonApi } from '../../src/client/api';
import { freePort, HOST } from '../../src/dev/net';
import { consoleRoutes } from '../../src/server/console';
import type { AppEnv, Principal } from '../../src/server/principal';
import { listen, type RunningServer } from '../../src/server/serve';
import { consoleSchemas, ROLES } from './console-helpers';

export const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-0123456789' } as const;

const USERS: Record<string, Principal> = {
  [TOKENS.alice]: { user: 'alice', roles: ['lead'], via: 'cookie' },
  [TOKENS.bob]: { user: 'bob', roles: [], via: 'cookie' },
};

export async function serveConsole(api: BatonApi): Promise<RunningServer> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? getCookie(c, 'baton_session');
    c.set('principal', token ? USERS[token] : undefined);
    await next();
  });
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    if (!USERS[token]) return c.text('bad token', 401);
    setCookie(c, 'baton_session', token, { httpOnly: true, sameSite: 'Strict', path: '/' });
    const next = typeof form.next === 'string' && form.next.startsWith('/') ? form.next : '/';
    return c.redirect(next, 303);
  });
  app.post('/logout', (c) => {
    deleteCookie(c, 'baton_session', { path: '/' });
    return c.redirect('/login', 303);
  });
  app.route('/', consoleRoutes({ api, roles: ROLES, agentSchemas: consoleSchemas, temporalUiUrl: 'http://127.0.0.1:8233', pollMs: 400 }));
  return listen({ app: app as unknown as Hono, host: HOST, port: await freePort() });
}
