/**
 * `POST /login` (form field `token`, or JSON `{ "token": … }`) and `POST /logout`. A form post is
 * redirected (to `next` when it is a local path, else `/`; a failure to `/login?error=…`); a JSON
 * post is answered with JSON. Failures are rate-limited per client address. Mount behind
 * `identify` (it checks CSRF for the cookie-authenticated logout).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../principal';
import { httpError, principalOf, sameOrigin, type Auth } from './auth';
import { SESSION_COOKIE } from './sessions';
import { userOfToken } from './tokens';

const LoginSchema = z.object({
  token: z
    .string({ error: 'token is required: the token `baton serve token <user>` printed' })
    .trim()
    .min(1, 'token is required'),
  next: z.string().optional(),
});

/** Where to go after a form login: a local path only, never another site. */
const localPath = (next: string | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : '/');

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (app.request in a test)
  }
}

async function readLogin(c: Context): Promise<{ form: boolean; body: unknown }> {
  const type = c.req.header('content-type') ?? '';
  if (/^application\/json/i.test(type))
    return { form: false, body: await c.req.json().catch(() => undefined) };
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type))
    return { form: true, body: await c.req.parseBody() };
  return { form: false, body: undefined };
}

export function authRoutes(auth: Auth): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Login CSRF: a form post that would log the browser in as someone else must come from here.
  app.use('/login', sameOrigin);
  app.post('/login', async (c) => {
    const address = clientAddress(c);
    const wait = auth.loginLimiter.retryAfter(address);
    if (wait > 0)
      throw httpError(
        429,
        {
          error: `too many failed logins from ${address}; try again in ${wait}s`,
          hint: 'Check the token: `baton serve token <user>` mints a new one.',
        },
        { 'retry-after': String(wait) },
      );
    const { form, body } = await readLogin(c);
    const parsed = LoginSchema.safeParse(body);
    if (!parsed.success) {
      if (form) return c.redirect('/login?error=missing-token', 303);
      return c.json(
        {
          error: 'log in with a token',
          problems: parsed.error.issues.map((i) => ({
            field: i.path.join('.') || 'body',
            message: i.message,
          })),
          hint: 'POST /login with JSON {"token": "<token>"} or a form field token.',
        },
        400,
      );
    }
    const user = userOfToken(auth.users, parsed.data.token);
    if (!user) {
      auth.loginLimiter.fail(address);
      if (form) return c.redirect('/login?error=bad-token', 303);
      return c.json(
        {
          error: "that token is not one of this server's tokens",
          hint: 'Ask an admin for one: `baton serve token <user>`.',
        },
        401,
      );
    }
    auth.sessions.delete(getCookie(c, SESSION_COOKIE));
    const session = auth.sessions.create(user);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: session.maxAgeSeconds,
      secure: new URL(c.req.url).protocol === 'https:',
    });
    if (form) return c.redirect(localPath(parsed.data.next), 303);
    return c.json({ user, roles: principalOf(user, auth.roles, 'cookie').roles });
  });
  app.post('/logout', (c) => {
    auth.sessions.delete(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(
      c.req.header('content-type') ?? '',
    );
    return form ? c.redirect('/', 303) : c.json({ loggedOut: true });
  });
  return app;
}
