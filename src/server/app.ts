/**
 * `baton serve`'s HTTP app, built from options: today the GitHub webhook receiver under /github;
 * the web console and REST API join it here. Any unexpected error is a JSON 500, never a stack.
 */
import { Hono } from 'hono';
import { githubRoutes, type GithubRouteOptions } from './github';

export interface AppOptions {
  github?: GithubRouteOptions;
}

export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ ok: true }));
  if (options.github) app.route('/github', githubRoutes(options.github));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    console.error(`baton serve: ${c.req.method} ${c.req.path}: ${error.message}`);
    return c.json({ error: 'internal error; see the server log' }, 500);
  });
  return app;
}
