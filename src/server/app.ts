/**
 * `baton serve`'s HTTP app, built from options: /healthz, the GitHub webhook receiver under /github
 * (its own HMAC auth), and behind the token/cookie auth layer: /login and /logout, the REST API
 * under /api, the MCP server at /mcp and the web console at /. Any unexpected error is a JSON 500,
 * never a stack.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { authRoutes, guard, identify, type Auth } from './auth';
import { githubRoutes, type GithubRouteOptions } from './github';
import type { AppEnv } from './principal';

export interface AppOptions {
  /** The users, their sessions and roles (src/server/auth); without it only /healthz and /github are served. */
  auth?: Auth;
  /** Reads (GET) without a token; writes always need one. */
  publicRead?: boolean;
  github?: GithubRouteOptions;
  /** The web console, mounted at `/` behind `identify` (it guards its own pages). */
  console?: Hono<AppEnv>;
  /** The MCP server over Streamable HTTP, mounted at `/mcp` behind `identify` and `guard`. */
  mcp?: Hono<AppEnv>;
}

export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ ok: true }));
  if (options.github) app.route('/github', githubRoutes(options.github));
  if (options.auth) {
    const { auth } = options;
    app.use('*', identify(auth));
    app.route('/', authRoutes(auth));
    const guarded = guard(options.publicRead ?? false);
    app.use('/api/*', guarded);
    app.use('/mcp', guarded);
    app.use('/mcp/*', guarded);
    if (options.mcp) app.route('/mcp', options.mcp);
    if (options.console) app.route('/', options.console);
  }
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`baton serve: ${c.req.method} ${c.req.path}: ${error.message}`);
    return c.json({ error: 'internal error; see the server log' }, 500);
  });
  return app;
}
