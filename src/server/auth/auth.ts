/**
 * The auth layer of `baton serve`, shared by the REST API, the console and /mcp. `identify` sets
 * `c.get('principal')` from `Authorization: Bearer <token>` or the console's login cookie and checks
 * CSRF on cookie-authenticated writes; `guard` turns away requests without a principal (reads pass
 * with `publicRead`); `requirePrincipal` is the same check inside a handler.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import type { Roles } from '../../shared/governance';
import type { AppEnv, Principal } from '../principal';
import { createRateLimiter, type RateLimiter } from './rate-limit';
import { createSessionStore, SESSION_COOKIE, type SessionStore } from './sessions';
import { tokenUsers, userOfToken, type TokenUser } from './tokens';

export interface AuthOptions {
  /** `server.users` from the config: user → sha256 of their token. */
  users: Record<string, { tokenSha256: string }>;
  /** `roles` from the config: role → users. */
  roles: Roles;
  /** Login failures allowed per client address per minute (default 10). */
  loginFailuresPerMinute?: number;
  sessionTtlMs?: number;
}

export interface Auth {
  users: readonly TokenUser[];
  roles: Roles;
  sessions: SessionStore;
  loginLimiter: RateLimiter;
}

export function createAuth(options: AuthOptions): Auth {
  return {
    users: tokenUsers(options.users),
    roles: options.roles,
    sessions: createSessionStore(options.sessionTtlMs),
    loginLimiter: createRateLimiter(options.loginFailuresPerMinute ?? 10, 60_000),
  };
}

/** The principal of a user: their roles are the roles that list them. */
export const principalOf = (user: string, roles: Roles, via: Principal['via']): Principal => ({
  user,
  roles: Object.entries(roles)
    .filter(([, users]) => users.includes(user))
    .map(([role]) => role)
    .sort(),
  via,
});

export const AUTH_HINT =
  'Send `Authorization: Bearer <token>` (an admin mints one with `baton serve token <user>`), or log in at /login with your token.';

/** A JSON error response as an exception, so helpers can refuse from anywhere in a handler. */
export const httpError = (
  status: 401 | 403 | 429,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) =>
  new HTTPException(status, {
    res: new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    }),
  });

const unauthenticated = (error: string) =>
  httpError(401, { error, hint: AUTH_HINT }, { 'www-authenticate': 'Bearer' });

const SAFE_METHOD = /^(GET|HEAD|OPTIONS)$/;
/** Hono's CSRF check: a form-like write must come from this origin (Origin or Sec-Fetch-Site). */
const checkCsrf = csrf();

/** Hono's CSRF check, answered as JSON. */
export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await checkCsrf(c, async () => undefined);
  } catch {
    throw httpError(403, {
      error:
        "cross-site request refused: a form post with the login cookie must come from this server's own pages",
      hint: 'Post from the console, or send `Authorization: Bearer <token>` instead of the cookie.',
    });
  }
  return next();
};

/** Sets `principal` (or leaves it undefined). A Bearer token that matches no user is a 401. */
export function identify(auth: Auth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthenticated('the Authorization header is not `Bearer <token>`');
      const user = userOfToken(auth.users, match[1]!);
      if (!user)
        throw unauthenticated("the Bearer token is not one of this server's tokens (revoked, or mistyped)");
      c.set('principal', principalOf(user, auth.roles, 'token'));
      return next();
    }
    const user = auth.sessions.userOf(getCookie(c, SESSION_COOKIE));
    // A user dropped from the config is logged out at once, whatever their cookie says.
    if (user && auth.users.some((u) => u.user === user)) {
      c.set('principal', principalOf(user, auth.roles, 'cookie'));
      if (!SAFE_METHOD.test(c.req.method)) return sameOrigin(c, next);
    } else {
      c.set('principal', undefined);
    }
    return next();
  };
}

/** The request's principal, or a 401 with how to authenticate. */
export function requirePrincipal(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (!principal) throw unauthenticated('authentication required');
  return principal;
}

/** Refuses a request without a principal: writes always, reads unless `publicRead`. */
export function guard(publicRead: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!(publicRead && SAFE_METHOD.test(c.req.method))) requirePrincipal(c);
    return next();
  };
}
