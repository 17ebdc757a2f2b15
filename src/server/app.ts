/**
 * `baton serve`'s HTTP app, built from options: /healthz, the GitHub webhook receiver under /github
 * (its own HMAC auth), and behind the token/cookie auth layer: /login and /logout, the REST API
 * under /api, the MCP server at /mcp and the web console at /. Any unexpected error is a JSON 500,
 * never a stack.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { BatonApi } from '../client/api';
import { apiRoutes } from './api';
import { openApiDocument } from './api/openapi';
import { authRoutes, guard, identify, type Auth } from './auth';
import type { SecuritySettings } from './auth/decision-key';
import { githubRoutes, type GithubRouteOptions } from './github';
import type { AppEnv } from './principal';

export interface AppOptions {
  /** The client API the REST API (and the console and MCP) use; without it there is no /api. */
  api?: BatonApi;
  /** `security` from the config: decisions are signed with the user's key when it is on. */
  security?: SecuritySettings;
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
    // The API's description is public: it holds no data.
    app.get('/api/openapi.json', (c) => c.json(openApiDocument(new URL(c.req.url).origin)));
    app.use('/api/*', guarded);
    app.use('/mcp', guarded);
    app.use('/mcp/*', guarded);
    if (options.api)
      app.route(
        '/api',
        apiRoutes({ api: options.api, decide: { roles: auth.roles, security: options.security } }),
      );
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
